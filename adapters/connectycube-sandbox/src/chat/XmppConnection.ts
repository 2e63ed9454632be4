// One client's XMPP stream over one WebSocket (RFC 7395): open → SASL PLAIN → restart → bind → online stanzas.
import { randomBytes } from 'node:crypto';
import { Element, parse } from 'ltx';
import type { WebSocket } from 'ws';
import {
  closeElement,
  featuresElement,
  iqResult,
  ns,
  openElement,
  stanzaErrorReply,
  streamError,
} from './xmpp.ts';

/** Where a connection is in the stream set-up; only `online` connections exchange stanzas. */
export type XmppConnectionState =
  | 'opening'
  | 'authenticating'
  | 'authenticated'
  | 'binding'
  | 'online'
  | 'closed';

/** What the connection needs from the server it belongs to. */
export interface XmppConnectionHost {
  /** Checks SASL PLAIN credentials; returns the user id they prove, or undefined. */
  authenticate(username: string, password: string): number | undefined;
  /** Called once the resource is bound; returns the full JID to hand back. */
  bound(connection: XmppConnection, userId: number, resource: string): string;
  /** A stanza from an online client, with `from` already stamped. */
  stanza(connection: XmppConnection, stanza: Element): void;
  closed(connection: XmppConnection): void;
}

const maxFailedAuthentications = 3;

export class XmppConnection {
  readonly #socket: WebSocket;
  readonly #host: XmppConnectionHost;
  readonly #remote: string;
  #state: XmppConnectionState = 'opening';
  #domain = '';
  #userId: number | undefined;
  #jid = '';
  #failedAuthentications = 0;
  /** Stream management (XEP-0198): undefined until the client enables it, then the count of stanzas handled. */
  #handledStanzas: number | undefined;
  readonly connectedAt = new Date();

  constructor(socket: WebSocket, host: XmppConnectionHost, remote: string) {
    this.#socket = socket;
    this.#host = host;
    this.#remote = remote;
    socket.on('message', (data, isBinary) => this.#receive(isBinary ? '' : data.toString('utf8')));
    socket.on('close', () => this.#finish());
    // A broken socket is the same as a closed one for us; the 'close' event follows.
    socket.on('error', () => undefined);
  }

  get state(): XmppConnectionState {
    return this.#state;
  }

  get userId(): number | undefined {
    return this.#userId;
  }

  get jid(): string {
    return this.#jid;
  }

  /** The domain the client opened its stream `to` (the WebSocket URL's host). */
  get domain(): string {
    return this.#domain;
  }

  get remote(): string {
    return this.#remote;
  }

  send(element: Element): void {
    if (this.#state === 'closed' || this.#socket.readyState !== this.#socket.OPEN) return;
    this.#socket.send(element.toString());
  }

  /** Ends the stream politely (`<close/>`), then the socket. */
  close(): void {
    if (this.#state === 'closed') return;
    this.send(closeElement());
    this.#socket.close(1000);
    this.#finish();
  }

  /** Ends the stream with a stream error, as RFC 6120 §4.9 wants for protocol violations. */
  #fail(condition: string, text: string): void {
    this.send(streamError(condition, text));
    this.close();
  }

  #receive(text: string): void {
    if (this.#state === 'closed') return;
    let element: Element;
    try {
      element = parse(text);
    } catch (error) {
      this.#fail('not-well-formed', error instanceof Error ? error.message : 'not well-formed');
      return;
    }
    if (element.name === 'open' && element.attrs.xmlns === ns.framing) {
      this.#open(element);
      return;
    }
    if (element.name === 'close' && element.attrs.xmlns === ns.framing) {
      this.close();
      return;
    }
    switch (this.#state) {
      case 'authenticating':
        this.#authenticate(element);
        return;
      case 'binding':
        this.#bind(element);
        return;
      case 'online':
        this.#online(element);
        return;
      default:
        this.#fail('not-authorized', `unexpected <${element.name}> before the stream is ready`);
        return;
    }
  }

  /** A stream (re)start: the first one offers SASL, the one after authentication offers resource binding. */
  #open(element: Element): void {
    if (this.#state !== 'opening' && this.#state !== 'authenticated') {
      this.#fail('policy-violation', 'stream restart is only allowed after authentication');
      return;
    }
    this.#domain = element.attrs.to ?? this.#domain;
    this.send(openElement(this.#domain, randomBytes(8).toString('hex')));
    const features = featuresElement();
    if (this.#state === 'opening') {
      features.c('mechanisms', { xmlns: ns.sasl }).c('mechanism').t('PLAIN');
      this.#state = 'authenticating';
    } else {
      features.c('bind', { xmlns: ns.bind }).up().c('session', { xmlns: ns.session }).c('optional');
      this.#state = 'binding';
    }
    this.send(features);
  }

  #authenticate(element: Element): void {
    if (!element.is('auth', ns.sasl)) {
      this.#fail('not-authorized', 'authenticate first');
      return;
    }
    const reject = (condition: string, text: string): void => {
      this.send(saslFailure(condition, text));
      this.#failedAuthentications += 1;
      if (this.#failedAuthentications >= maxFailedAuthentications) this.close();
    };
    if (element.attrs.mechanism !== 'PLAIN') {
      reject('invalid-mechanism', 'only PLAIN is offered');
      return;
    }
    const [, username = '', password = ''] = Buffer.from(element.getText(), 'base64')
      .toString('utf8')
      .split('\0');
    const userId = this.#host.authenticate(username, password);
    if (userId === undefined) {
      reject('not-authorized', 'wrong user or password');
      return;
    }
    this.#userId = userId;
    this.#state = 'authenticated';
    this.send(new Element('success', { xmlns: ns.sasl }));
  }

  #bind(element: Element): void {
    const bind = element.is('iq') ? element.getChild('bind', ns.bind) : undefined;
    if (!bind || element.attrs.type !== 'set' || this.#userId === undefined) {
      this.#fail('not-authorized', 'bind a resource first');
      return;
    }
    const resource = bind.getChildText('resource') || randomBytes(4).toString('hex');
    this.#jid = this.#host.bound(this, this.#userId, resource);
    this.#state = 'online';
    const result = iqResult(element, undefined);
    result.c('bind', { xmlns: ns.bind }).c('jid').t(this.#jid);
    this.send(result);
  }

  #online(element: Element): void {
    if (element.attrs.xmlns === ns.sm) {
      this.#streamManagement(element);
      return;
    }
    if (!['message', 'presence', 'iq'].includes(element.name)) {
      this.#fail('unsupported-stanza-type', `<${element.name}> is not a stanza`);
      return;
    }
    if (this.#handledStanzas !== undefined) this.#handledStanzas += 1;
    // The server, not the client, says who sent a stanza (RFC 6120 §8.1.2.1).
    element.attrs.from = this.#jid;
    this.#host.stanza(this, element);
  }

  #streamManagement(element: Element): void {
    if (element.name === 'enable') {
      this.#handledStanzas = 0;
      this.send(new Element('enabled', { xmlns: ns.sm, id: randomBytes(8).toString('hex') }));
    } else if (element.name === 'r' && this.#handledStanzas !== undefined) {
      this.send(new Element('a', { xmlns: ns.sm, h: String(this.#handledStanzas) }));
    }
    // `<a/>` acknowledgements from the client need nothing: the sandbox does not resend.
  }

  /** Reply with a stanza error to a stanza this client sent. */
  refuse(stanza: Element, condition: string): void {
    this.send(stanzaErrorReply(stanza, condition));
  }

  #finish(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#host.closed(this);
  }
}

function saslFailure(condition: string, text: string): Element {
  const failure = new Element('failure', { xmlns: ns.sasl });
  failure.c(condition).up().c('text').t(text);
  return failure;
}
