// DTMF between the gateway and an app: ConnectyCube calls have no DTMF signal, so digits travel as a system
// message (`chat.sendSystemMessage`), which apps read with `ConnectyCube.chat.onSystemMessageListener`.

/** What the app receives in `message.extension`: `{ type: 'dtmf', sessionID, digits, durationMs }`. */
export interface DtmfMessage {
  readonly sessionID: string;
  readonly digits: string;
  readonly durationMs: number;
}

export const dtmfMessageType = 'dtmf';

export function dtmfExtension(message: DtmfMessage): Record<string, string> {
  return {
    type: dtmfMessageType,
    sessionID: message.sessionID,
    digits: message.digits,
    durationMs: String(message.durationMs),
  };
}

/** Parses the extension of a received system message; undefined when it is not a DTMF message. */
export function parseDtmfMessage(extension: unknown): DtmfMessage | undefined {
  if (typeof extension !== 'object' || extension === null) return undefined;
  const ext = extension as Record<string, unknown>;
  if (ext.type !== dtmfMessageType || typeof ext.sessionID !== 'string') return undefined;
  const digits = String(ext.digits ?? '').replace(/[^0-9A-D*#]/gi, '');
  if (digits === '') return undefined;
  const duration = Number(ext.durationMs);
  return {
    sessionID: ext.sessionID,
    digits,
    durationMs: Number.isFinite(duration) && duration > 0 ? duration : 100,
  };
}
