// XMPP vocabulary the chat server speaks: namespaces, JIDs of the `<userId>-<appId>` form, and the few nonzas it builds.
import { Element } from 'ltx';

export const ns = {
  client: 'jabber:client',
  framing: 'urn:ietf:params:xml:ns:xmpp-framing',
  stream: 'http://etherx.jabber.org/streams',
  streams: 'urn:ietf:params:xml:ns:xmpp-streams',
  stanzas: 'urn:ietf:params:xml:ns:xmpp-stanzas',
  sasl: 'urn:ietf:params:xml:ns:xmpp-sasl',
  bind: 'urn:ietf:params:xml:ns:xmpp-bind',
  session: 'urn:ietf:params:xml:ns:xmpp-session',
  sm: 'urn:xmpp:sm:3',
  ping: 'urn:xmpp:ping',
  last: 'jabber:iq:last',
  roster: 'jabber:iq:roster',
} as const;

/** A parsed JID. ConnectyCube's local part is `<userId>-<appId>`; the domain is whatever the client used, and is ignored for routing. */
export interface Jid {
  readonly local: string;
  readonly domain: string;
  readonly resource: string;
}

export function parseJid(text: string): Jid {
  const at = text.indexOf('@');
  const slash = text.indexOf('/', at + 1);
  return {
    local: at >= 0 ? text.slice(0, at) : '',
    domain: text.slice(at + 1, slash >= 0 ? slash : undefined),
    resource: slash >= 0 ? text.slice(slash + 1) : '',
  };
}

/** The user id a JID's local part names in this app, or undefined when it is not a user of this app. */
export function userIdOfJid(jid: Jid, appId: number): number | undefined {
  const match = /^(\d+)-(\d+)$/.exec(jid.local);
  if (!match || Number(match[2]) !== appId) return undefined;
  return Number(match[1]);
}

export function userJid(userId: number, appId: number, domain: string, resource?: string): string {
  return `${userId}-${appId}@${domain}${resource ? `/${resource}` : ''}`;
}

export function openElement(domain: string, streamId: string): Element {
  return new Element('open', {
    xmlns: ns.framing,
    from: domain,
    id: streamId,
    version: '1.0',
    'xml:lang': 'en',
  });
}

/** `stream:features` must declare its own `xmlns:stream`: the client parses every WebSocket frame on its own. */
export function featuresElement(): Element {
  return new Element('stream:features', { 'xmlns:stream': ns.stream });
}

export function closeElement(): Element {
  return new Element('close', { xmlns: ns.framing });
}

export function streamError(condition: string, text?: string): Element {
  const error = new Element('stream:error', { 'xmlns:stream': ns.stream });
  error.c(condition, { xmlns: ns.streams });
  if (text) error.c('text', { xmlns: ns.streams }).t(text);
  return error;
}

/** A stanza error reply (`type="error"`) to `stanza`, addressed back to its sender. */
export function stanzaErrorReply(stanza: Element, condition: string, errorType = 'cancel'): Element {
  const reply = new Element(stanza.name, {
    xmlns: ns.client,
    type: 'error',
    id: stanza.attrs.id,
    from: stanza.attrs.to,
    to: stanza.attrs.from,
  });
  reply.c('error', { type: errorType }).c(condition, { xmlns: ns.stanzas });
  return reply;
}

export function iqResult(request: Element, from: string | undefined): Element {
  return new Element('iq', {
    xmlns: ns.client,
    type: 'result',
    id: request.attrs.id,
    from,
    to: request.attrs.from,
  });
}
