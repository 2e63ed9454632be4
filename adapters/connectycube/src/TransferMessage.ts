// Transfer between the gateway and an app: ConnectyCube calls have no transfer signal, so an app asks with a
// system message naming its call and the target, and hears back how it went, as DTMF travels (DtmfMessage.ts).
import type { TransferProgress } from '@cubebridge/core';

/** What an app sends: `{ type: 'transfer', sessionID, to: 'sip:2001@pbx.example.com' }` (or an extension). */
export interface TransferMessage {
  readonly sessionID: string;
  readonly to: string;
}

export const transferMessageType = 'transfer';
export const transferStatusMessageType = 'transfer-status';

/** Parses the extension of a received system message; undefined when it is not a transfer request. */
export function parseTransferMessage(extension: unknown): TransferMessage | undefined {
  if (typeof extension !== 'object' || extension === null) return undefined;
  const ext = extension as Record<string, unknown>;
  if (ext.type !== transferMessageType || typeof ext.sessionID !== 'string') return undefined;
  const to = typeof ext.to === 'string' ? ext.to.trim() : '';
  return to === '' ? undefined : { sessionID: ext.sessionID, to };
}

/**
 * What the app receives back: `{ type: 'transfer-status', sessionID, to, state: 'succeeded' }`, or with
 * `state: 'failed'`, the `reason` (`busy`, `no-answer`, `declined`, …) and a `detail` when there is one.
 */
export function transferStatusExtension(
  message: TransferMessage,
  progress: TransferProgress,
): Record<string, string> {
  return {
    type: transferStatusMessageType,
    sessionID: message.sessionID,
    to: message.to,
    state: progress.state,
    ...(progress.state === 'failed' ? { reason: progress.reason } : {}),
    ...(progress.state === 'failed' && progress.detail ? { detail: progress.detail } : {}),
  };
}
