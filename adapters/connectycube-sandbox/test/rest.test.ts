// The REST subset over real HTTP: sessions, login upgrade, users, meetings, and bad input (wrong password, bad and
// expired tokens with the exact body the SDK's session-expired hook looks for, unknown routes, malformed bodies).
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index.ts';

const appId = 31;
const authKey = 'rest-test-key';
const sessionMissing = { errors: { base: ['Required session does not exist'] } };

describe('REST API', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({
      appId,
      authKey,
      janus: 'off',
      users: [
        { login: 'alice', password: 'alice-pass-1', fullName: 'Alice A', email: 'alice@example.org' },
        { id: 5000, login: 'bob', password: 'bob-pass-1' },
      ],
    });
  });
  afterAll(() => sandbox.close());

  async function api(
    method: string,
    path: string,
    { token, body, headers }: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; json: unknown; headers: Headers }> {
    const response = await fetch(`${sandbox.apiEndpoint}${path}`, {
      method,
      headers: {
        'CB-SDK': 'JS 6.1.2 - Client',
        ...(token ? { 'CB-Token': token } : {}),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json;charset=utf-8' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      json: text === '' ? undefined : JSON.parse(text),
      headers: response.headers,
    };
  }

  async function userToken(login: string, password: string): Promise<string> {
    const { json } = await api('POST', '/session.json', {
      body: { application_id: appId, auth_key: authKey, user: { login, password } },
    });
    return (json as { session: { token: string } }).session.token;
  }

  it('creates an application session, upgrades it by login, reads and destroys it', async () => {
    const created = await api('POST', '/session.json', {
      body: { application_id: appId, auth_key: authKey },
    });
    expect(created.status).toBe(201);
    const session = (created.json as { session: { token: string; user_id: number; application_id: number } })
      .session;
    expect(session).toMatchObject({ user_id: 0, application_id: appId });
    expect(session.token).toMatch(/^[0-9a-f]{40}$/);

    const login = await api('POST', '/login.json', {
      token: session.token,
      body: { login: 'bob', password: 'bob-pass-1' },
    });
    expect(login.json).toMatchObject({ user: { id: 5000, login: 'bob' } });
    const read = await api('GET', '/session.json', { token: session.token });
    expect(read.json).toMatchObject({ session: { user_id: 5000, token: session.token } });

    expect((await api('DELETE', '/login.json', { token: session.token })).status).toBe(200);
    expect((await api('GET', '/session.json', { token: session.token })).json).toMatchObject({
      session: { user_id: 0 },
    });
    expect((await api('DELETE', '/session.json', { token: session.token })).status).toBe(200);
    expect((await api('GET', '/session.json', { token: session.token })).json).toEqual(sessionMissing);
  });

  it('creates user sessions by login, by email and as a guest', async () => {
    const byLogin = await api('POST', '/session.json', {
      body: { application_id: appId, auth_key: authKey, user: { login: 'alice', password: 'alice-pass-1' } },
    });
    expect(byLogin.json).toMatchObject({
      session: { user_id: 1001, user: { login: 'alice', full_name: 'Alice A' } },
    });
    const byEmail = await api('POST', '/session.json', {
      body: {
        application_id: appId,
        auth_key: authKey,
        user: { email: 'alice@example.org', password: 'alice-pass-1' },
      },
    });
    expect(byEmail.json).toMatchObject({ session: { user_id: 1001 } });
    const guest = await api('POST', '/session.json', {
      body: { application_id: appId, auth_key: authKey, user: { guest: '1', full_name: 'Visitor' } },
    });
    const guestSession = (guest.json as { session: { user_id: number; token: string } }).session;
    expect(guestSession.user_id).toBeGreaterThan(5000);
    const guestUser = await api('GET', `/users/${guestSession.user_id}.json`, { token: guestSession.token });
    expect(guestUser.json).toMatchObject({ user: { full_name: 'Visitor' } });
  });

  it('refuses a wrong password, an unknown login and a wrong auth key with 401', async () => {
    for (const body of [
      { application_id: appId, auth_key: authKey, user: { login: 'alice', password: 'nope' } },
      { application_id: appId, auth_key: authKey, user: { login: 'nobody', password: 'alice-pass-1' } },
      { application_id: appId, auth_key: 'wrong-key' },
      { application_id: appId + 1, auth_key: authKey },
    ]) {
      const response = await api('POST', '/session.json', { body });
      expect(response.status).toBe(401);
      expect(response.json).toMatchObject({ errors: { base: [expect.any(String)] } });
    }
    const token = (await api('POST', '/session.json', { body: { application_id: appId, auth_key: authKey } }))
      .json as {
      session: { token: string };
    };
    const wrongLogin = await api('POST', '/login.json', {
      token: token.session.token,
      body: { login: 'bob', password: 'x' },
    });
    expect(wrongLogin.status).toBe(401);
  });

  it('answers a missing, unknown or expired token with the exact 401 body of the SDK session-expired hook', async () => {
    for (const token of [undefined, 'not-a-token', 'f'.repeat(40)]) {
      const response = await api('GET', '/users/1001.json', token === undefined ? {} : { token });
      expect(response.status).toBe(401);
      expect(response.json).toEqual(sessionMissing);
    }
    const shortLived = await startSandbox({
      appId,
      authKey,
      sessionTtlSeconds: 1,
      users: [{ login: 'x', password: 'x-pass-12' }],
    });
    try {
      const created = await fetch(`${shortLived.apiEndpoint}/session.json`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          application_id: appId,
          auth_key: authKey,
          user: { login: 'x', password: 'x-pass-12' },
        }),
      });
      const { session } = (await created.json()) as { session: { token: string } };
      const fresh = await fetch(`${shortLived.apiEndpoint}/users/1001.json`, {
        headers: { 'CB-Token': session.token },
      });
      expect(fresh.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const expired = await fetch(`${shortLived.apiEndpoint}/users/1001.json`, {
        headers: { 'CB-Token': session.token },
      });
      expect(expired.status).toBe(401);
      expect(await expired.json()).toEqual(sessionMissing);
    } finally {
      await shortLived.close();
    }
  });

  it('finds users by id, login and email, searches v2 with filters, and lists who is online', async () => {
    const token = await userToken('alice', 'alice-pass-1');
    expect((await api('GET', '/users/5000.json', { token })).json).toMatchObject({
      user: { id: 5000, login: 'bob' },
    });
    expect((await api('GET', '/users/by_login.json?login=alice', { token })).json).toMatchObject({
      user: { id: 1001 },
    });
    expect(
      (await api('GET', '/users/by_email.json?email=alice%40example.org', { token })).json,
    ).toMatchObject({
      user: { id: 1001 },
    });
    const missing = await api('GET', '/users/4040.json', { token });
    expect(missing).toMatchObject({
      status: 404,
      json: { errors: { base: ['Entity you are looking for was not found.'] } },
    });
    // The SDK's query for getV2({ id: { in: [1001, 5000] }, limit: 10 }).
    const v2 = await api('GET', '/users/v2.json?id[in][]=1001&id[in][]=5000&limit=10', { token });
    expect(v2.json).toMatchObject({ limit: 10, skip: 0, total_entries: 2 });
    expect((v2.json as { items: { id: number }[] }).items.map((u) => u.id)).toEqual([1001, 5000]);
    const byLogin = await api('GET', '/users/v2.json?login=bob', { token });
    expect((byLogin.json as { items: { id: number }[] }).items.map((u) => u.id)).toEqual([5000]);
    expect((await api('GET', '/users/online.json', { token })).json).toEqual({ users: [] });
    expect((await api('GET', '/users/online.json?count=true', { token })).json).toEqual({ count: 0 });
    // Passwords never leave the server.
    expect(JSON.stringify(v2.json)).not.toContain('pass-1');
  });

  it('signs up with the auth key or a session, and refuses a taken login with 422', async () => {
    const withKey = await api('POST', '/users.json', {
      headers: { 'CB-AuthKey': authKey },
      body: { user: { login: 'carol', password: 'carol-pass-1', full_name: 'Carol' } },
    });
    expect(withKey).toMatchObject({ status: 201, json: { user: { login: 'carol', full_name: 'Carol' } } });
    const taken = await api('POST', '/users.json', {
      headers: { 'CB-AuthKey': authKey },
      body: { user: { login: 'carol', password: 'carol-pass-1' } },
    });
    expect(taken).toMatchObject({ status: 422, json: { errors: { login: ['has already been taken'] } } });
    const wrongKey = await api('POST', '/users.json', {
      headers: { 'CB-AuthKey': 'x' },
      body: { user: { login: 'd' } },
    });
    expect(wrongKey.status).toBe(401);
    expect(await userToken('carol', 'carol-pass-1')).toMatch(/^[0-9a-f]{40}$/);
  });

  it('creates a meeting whose _id can name a conference room', async () => {
    const token = await userToken('alice', 'alice-pass-1');
    const meeting = await api('POST', '/meetings.json', {
      token,
      body: { name: 'standup', attendees: [{ id: 5000 }] },
    });
    expect(meeting.json).toMatchObject({
      name: 'standup',
      host_id: 1001,
      _id: expect.stringMatching(/^[0-9a-f]{24}$/),
    });
    const appOnly = (
      await api('POST', '/session.json', { body: { application_id: appId, auth_key: authKey } })
    ).json as {
      session: { token: string };
    };
    expect((await api('POST', '/meetings.json', { token: appOnly.session.token, body: {} })).status).toBe(
      403,
    );
  });

  it('answers unknown routes with 404, wrong methods with 405, malformed JSON with 400, preflights with CORS', async () => {
    const token = await userToken('alice', 'alice-pass-1');
    expect(await api('GET', '/no/such/route.json', { token })).toMatchObject({
      status: 404,
      json: { errors: { base: [expect.any(String)] } },
    });
    expect((await api('GET', '/definitely-not-here', {})).status).toBe(404);
    expect((await api('PUT', '/session.json', { token, body: {} })).status).toBe(405);
    const malformed = await api('POST', '/login.json', { token, body: '{"login": "alice", ' });
    expect(malformed).toMatchObject({ status: 400, json: { errors: { base: ['Malformed JSON body'] } } });
    const array = await api('POST', '/login.json', { token, body: '[1,2]' });
    expect(array.status).toBe(400);
    const preflight = await api('OPTIONS', '/users/v2.json', {
      headers: { Origin: 'http://localhost:9999' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('CB-Token');
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('survives a client that disconnects in the middle of a request body, and keeps serving', async () => {
    const token = await userToken('alice', 'alice-pass-1');
    const { hostname, port } = new URL(sandbox.apiEndpoint);
    await new Promise<void>((resolve) => {
      const partial = request({
        host: hostname,
        port,
        method: 'POST',
        path: '/meetings.json',
        headers: { 'CB-Token': token, 'Content-Type': 'application/json', 'Content-Length': '1000' },
      });
      partial.on('error', () => resolve());
      partial.write('{"name": "half a bo', () => setTimeout(() => partial.destroy(), 50));
      partial.on('close', () => resolve());
    });
    expect((await api('GET', '/users/1001.json', { token })).status).toBe(200);
  });

  it('shows users, sessions (tokens shortened) and who is online in the admin view', async () => {
    const token = await userToken('bob', 'bob-pass-1');
    const admin = await api('GET', '/admin', {});
    const state = admin.json as {
      appId: number;
      users: unknown[];
      sessions: { token: string; userId: number }[];
    };
    expect(state.appId).toBe(appId);
    expect(state.sessions.some((s) => s.userId === 5000)).toBe(true);
    expect(JSON.stringify(state)).not.toContain(token);
    expect(JSON.stringify(state)).not.toContain('bob-pass-1');
  });
});
