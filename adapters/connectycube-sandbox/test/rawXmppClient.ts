// A bare XMPP-over-WebSocket client for protocol tests: sends exact frames, and waits for parsed frames that match.
import { type Element, parse } from 'ltx';
import WebSocket from 'ws';

export class RawXmppClient {
  readonly socket: WebSocket;
  readonly #frames: Element[] = [];
  readonly #waiters = new Set<() => void>();
  closeCode: number | undefined;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data) => {
      this.#frames.push(parse(data.toString('utf8')));
      for (const wake of this.#waiters) wake();
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      for (const wake of this.#waiters) wake();
    });
  }

  /** `protocol: null` asks for no subprotocol at all. */
  static async connect(url: string, protocol: string | null = 'xmpp'): Promise<RawXmppClient> {
    const socket = new WebSocket(url, protocol === null ? [] : [protocol]);
    const client = new RawXmppClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  send(frame: string): void {
    this.socket.send(frame);
  }

  /** Resolves with (and removes) the first received frame matching `predicate`. */
  next(predicate: (frame: Element) => boolean = () => true, timeoutMs = 10_000): Promise<Element> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const index = this.#frames.findIndex(predicate);
        if (index >= 0) {
          done();
          resolve(this.#frames.splice(index, 1)[0] as Element);
        } else if (this.closeCode !== undefined) {
          done();
          reject(new Error(`socket closed (${this.closeCode}) before a matching frame arrived`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `no matching frame within ${timeoutMs} ms; have: ${this.#frames.map(String).join(' | ')}`,
          ),
        );
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  closed(): Promise<number> {
    if (this.closeCode !== undefined) return Promise.resolve(this.closeCode);
    return new Promise((resolve) => this.socket.once('close', (code) => resolve(code)));
  }

  /** Runs the whole SDK-style login: open, SASL PLAIN, restart, bind. Returns the bound JID. */
  async login(username: string, password: string, resource?: string): Promise<string> {
    this.send(openFrame);
    await this.next((f) => f.name === 'stream:features');
    this.send(plainAuth(username, password));
    const outcome = await this.next((f) => f.name === 'success' || f.name === 'failure');
    if (outcome.name === 'failure') throw new Error(`SASL failure: ${outcome.toString()}`);
    this.send(openFrame);
    await this.next((f) => f.name === 'stream:features' && f.getChild('bind') !== undefined);
    const resourceElement = resource ? `<resource>${resource}</resource>` : '';
    this.send(
      `<iq type="set" id="bind1" xmlns="jabber:client"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind">${resourceElement}</bind></iq>`,
    );
    const result = await this.next((f) => f.name === 'iq' && f.attrs.id === 'bind1');
    return result.getChild('bind')?.getChildText('jid') ?? '';
  }

  close(): void {
    this.socket.terminate();
  }
}

export const openFrame = '<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="127.0.0.1" version="1.0"/>';

export function plainAuth(username: string, password: string): string {
  const payload = Buffer.from(`\0${username}\0${password}`).toString('base64');
  return `<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">${payload}</auth>`;
}
