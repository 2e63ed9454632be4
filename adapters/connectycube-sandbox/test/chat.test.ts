// The XMPP-over-WebSocket chat, spoken to frame by frame: the SDK's connect sequence, routing with `from` stamped by
// the server, several resources per user, and bad input (wrong password, malformed XML, early stanzas, dropped clients).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index.ts';
import { openFrame, plainAuth, RawXmppClient } from './rawXmppClient.ts';

const appId = 4242;

describe('chat: XMPP over WebSocket', () => {
  let sandbox: Sandbox;
  const clients: RawXmppClient[] = [];
  const alice = { id: 2001, login: 'alice', password: 'alice-secret-1' };
  const bob = { id: 2002, login: 'bob', password: 'bob-secret-1' };

  beforeAll(async () => {
    sandbox = await startSandbox({ appId, authKey: 'k', users: [alice, bob], janus: 'off' });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(() => sandbox.close());

  async function connect(protocol?: string | null): Promise<RawXmppClient> {
    const client = await RawXmppClient.connect(sandbox.chatEndpoint, protocol);
    clients.push(client);
    return client;
  }

  async function sessionToken(user: { login: string; password: string }): Promise<string> {
    const response = await fetch(`${sandbox.apiEndpoint}/session.json`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        application_id: appId,
        auth_key: 'k',
        user: { login: user.login, password: user.password },
      }),
    });
    return ((await response.json()) as { session: { token: string } }).session.token;
  }

  it('selects the xmpp subprotocol and refuses a client that did not ask for it', async () => {
    const good = await connect();
    expect(good.socket.protocol).toBe('xmpp');
    const bad = await connect(null);
    expect(await bad.closed()).toBe(1002);
  });

  it('answers <open> with <open> and PLAIN; the features frame declares xmlns:stream itself', async () => {
    const client = await connect();
    client.send(openFrame);
    const open = await client.next((f) => f.name === 'open');
    expect(open.attrs).toMatchObject({
      xmlns: 'urn:ietf:params:xml:ns:xmpp-framing',
      from: '127.0.0.1',
      version: '1.0',
    });
    const features = await client.next((f) => f.name === 'stream:features');
    expect(features.attrs['xmlns:stream']).toBe('http://etherx.jabber.org/streams');
    expect(
      features
        .getChild('mechanisms')
        ?.getChildren('mechanism')
        .map((m) => m.getText()),
    ).toEqual(['PLAIN']);
  });

  it('logs in with the password or with a session token, binds <userId>-<appId>@<domain>/<resource>', async () => {
    const byPassword = await connect();
    expect(await byPassword.login(`${alice.id}-${appId}`, alice.password, 'phone')).toBe(
      `${alice.id}-${appId}@127.0.0.1/phone`,
    );

    const byToken = await connect();
    expect(await byToken.login(`${bob.id}-${appId}`, await sessionToken(bob))).toMatch(
      new RegExp(`^${bob.id}-${appId}@127\\.0\\.0\\.1/\\w+$`),
    );
  });

  it('refuses a wrong password, a token of another user and a foreign app id with <not-authorized/>, and keeps serving', async () => {
    const client = await connect();
    client.send(openFrame);
    await client.next((f) => f.name === 'stream:features');
    for (const [user, password] of [
      [`${alice.id}-${appId}`, 'wrong'],
      [`${alice.id}-${appId}`, await sessionToken(bob)],
      [`${alice.id}-${appId + 1}`, alice.password],
    ] as const) {
      client.send(plainAuth(user, password));
      const failure = await client.next((f) => f.name === 'failure');
      expect(failure.getChild('not-authorized')).toBeDefined();
    }
    // The third failure ended the stream.
    await client.closed();

    const other = await connect();
    expect(await other.login(`${alice.id}-${appId}`, alice.password)).toContain(`${alice.id}-${appId}@`);
  });

  it('routes by local part, stamps `from` with the sender full JID, and passes the payload untouched', async () => {
    const a = await connect();
    const b = await connect();
    const aliceJid = await a.login(`${alice.id}-${appId}`, alice.password, 'web');
    await b.login(`${bob.id}-${appId}`, bob.password);
    const sdp = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n';
    // Like the SDK's signals: no `from`, another domain in `to`; a forged `from` must be replaced.
    a.send(
      `<message to="${bob.id}-${appId}@chat.example" type="headline" id="s1" from="9999-${appId}@evil/x" xmlns="jabber:client">` +
        `<extraParams xmlns="jabber:client"><sdp>${sdp}</sdp><moduleIdentifier>WebRTCVideoChat</moduleIdentifier></extraParams></message>`,
    );
    const received = await b.next((f) => f.name === 'message' && f.attrs.id === 's1');
    expect(received.attrs.from).toBe(aliceJid);
    expect(received.getChild('extraParams')?.getChildText('sdp')).toBe(sdp);
  });

  it('delivers to every resource of a user, or to one resource when the full JID names it', async () => {
    const phone = await connect();
    const laptop = await connect();
    const sender = await connect();
    await phone.login(`${bob.id}-${appId}`, bob.password, 'phone');
    await laptop.login(`${bob.id}-${appId}`, bob.password, 'laptop');
    await sender.login(`${alice.id}-${appId}`, alice.password);
    sender.send(`<message to="${bob.id}-${appId}@x" type="chat" id="all"><body>hi</body></message>`);
    await phone.next((f) => f.attrs.id === 'all');
    await laptop.next((f) => f.attrs.id === 'all');
    sender.send(`<message to="${bob.id}-${appId}@x/laptop" type="chat" id="one"><body>hi</body></message>`);
    await laptop.next((f) => f.attrs.id === 'one');
    sender.send(`<message to="${bob.id}-${appId}@x/phone" type="chat" id="two"><body>hi</body></message>`);
    await phone.next((f) => f.attrs.id === 'two');
    await expect(laptop.next((f) => f.attrs.id === 'one', 300)).rejects.toThrow(/no matching frame/);
  });

  it('bounces a chat message to an offline user with service-unavailable, and to an unknown user with item-not-found', async () => {
    const a = await connect();
    await a.login(`${alice.id}-${appId}`, alice.password);
    a.send(`<message to="${bob.id}-${appId}@x" type="chat" id="m1"><body>anyone?</body></message>`);
    const offline = await a.next((f) => f.attrs.id === 'm1');
    expect(offline.attrs.type).toBe('error');
    expect(offline.getChild('error')?.getChild('service-unavailable')).toBeDefined();
    a.send(`<message to="777777-${appId}@x" type="chat" id="m2"><body>?</body></message>`);
    const unknown = await a.next((f) => f.attrs.id === 'm2');
    expect(unknown.getChild('error')?.getChild('item-not-found')).toBeDefined();
  });

  it('answers ping, session, roster and last-activity iqs addressed to the server or to a user', async () => {
    const a = await connect();
    const b = await connect();
    await a.login(`${alice.id}-${appId}`, alice.password);
    a.send(`<iq type="get" to="127.0.0.1" id="p1"><ping xmlns="urn:xmpp:ping"/></iq>`);
    expect((await a.next((f) => f.attrs.id === 'p1')).attrs.type).toBe('result');
    a.send(`<iq type="get" to="${bob.id}-${appId}@x" id="l1"><query xmlns="jabber:iq:last"/></iq>`);
    const offline = await a.next((f) => f.attrs.id === 'l1');
    expect(Number(offline.getChild('query')?.attrs.seconds)).toBeGreaterThanOrEqual(0);
    await b.login(`${bob.id}-${appId}`, bob.password);
    a.send(`<iq type="get" to="${bob.id}-${appId}@x" id="l2"><query xmlns="jabber:iq:last"/></iq>`);
    expect((await a.next((f) => f.attrs.id === 'l2')).getChild('query')?.attrs.seconds).toBe('0');
    a.send(`<iq type="get" id="u1"><unknown xmlns="urn:example"/></iq>`);
    expect(
      (await a.next((f) => f.attrs.id === 'u1')).getChild('error')?.getChild('feature-not-implemented'),
    ).toBeDefined();
  });

  it('acknowledges stanzas with stream management when the client enables it', async () => {
    const a = await connect();
    await a.login(`${alice.id}-${appId}`, alice.password);
    a.send('<enable xmlns="urn:xmpp:sm:3"/>');
    await a.next((f) => f.name === 'enabled');
    a.send('<presence/>');
    a.send(`<iq type="get" id="p2"><ping xmlns="urn:xmpp:ping"/></iq>`);
    a.send('<r xmlns="urn:xmpp:sm:3"/>');
    expect((await a.next((f) => f.name === 'a')).attrs.h).toBe('2');
  });

  it('ends a stream with not-well-formed on malformed XML, and serves other clients on', async () => {
    const a = await connect();
    const b = await connect();
    await a.login(`${alice.id}-${appId}`, alice.password);
    await b.login(`${bob.id}-${appId}`, bob.password);
    a.send('<message to="x"><body>unclosed</message>');
    const error = await a.next((f) => f.name === 'stream:error');
    expect(error.getChild('not-well-formed')).toBeDefined();
    await a.next((f) => f.name === 'close');
    await a.closed();

    const c = await connect();
    await c.login(`${alice.id}-${appId}`, alice.password);
    c.send(`<message to="${bob.id}-${appId}@x" type="chat" id="after"><body>still here</body></message>`);
    expect((await b.next((f) => f.attrs.id === 'after')).getChildText('body')).toBe('still here');
  });

  it('ends a stream that sends stanzas before authenticating, or restarts it out of order', async () => {
    const early = await connect();
    early.send(openFrame);
    await early.next((f) => f.name === 'stream:features');
    early.send(`<message to="${bob.id}-${appId}@x" type="chat"><body>sneaky</body></message>`);
    expect((await early.next((f) => f.name === 'stream:error')).getChild('not-authorized')).toBeDefined();
    await early.closed();

    const restart = await connect();
    restart.send(openFrame);
    await restart.next((f) => f.name === 'stream:features');
    restart.send(openFrame);
    expect((await restart.next((f) => f.name === 'stream:error')).getChild('policy-violation')).toBeDefined();
  });

  it("forgets a client that drops mid-stream, and routes to the user's other resource", async () => {
    const dropping = await connect();
    const staying = await connect();
    const sender = await connect();
    await dropping.login(`${bob.id}-${appId}`, bob.password, 'dropping');
    await staying.login(`${bob.id}-${appId}`, bob.password, 'staying');
    await sender.login(`${alice.id}-${appId}`, alice.password);
    // Half a frame, then the TCP connection dies without a WebSocket close.
    dropping.socket.send('<message to="x"><bo');
    dropping.socket.terminate();
    await expect
      .poll(() => sandbox.adminState().online.filter((o) => o.jid.endsWith('/dropping')).length)
      .toBe(0);
    sender.send(`<message to="${bob.id}-${appId}@x" type="chat" id="d1"><body>who is left?</body></message>`);
    expect((await staying.next((f) => f.attrs.id === 'd1')).getChildText('body')).toBe('who is left?');
  });

  it('closes politely on <close/>', async () => {
    const a = await connect();
    await a.login(`${alice.id}-${appId}`, alice.password);
    a.send('<close xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>');
    await a.next((f) => f.name === 'close');
    expect(await a.closed()).toBe(1000);
  });
});
