// The `WebRTCVideoChat` call signals of the ConnectyCube SDK 6.1.2, as typed values, and their extension form.
import type { IceCandidate } from '@cubebridge/core';

export const callSignalModule = 'WebRTCVideoChat';

export type SignalType =
  | 'call'
  | 'accept'
  | 'reject'
  | 'hangUp'
  | 'iceCandidates'
  | 'iceRestart'
  | 'iceRestartAccept';

const signalTypes: readonly string[] = [
  'call',
  'accept',
  'reject',
  'hangUp',
  'iceCandidates',
  'iceRestart',
  'iceRestartAccept',
];

/** SDK call types: 1 is video (the SDK's default), 2 audio-only. */
export type CallType = 1 | 2;

export interface CallSignal {
  readonly signalType: SignalType;
  readonly sessionID: string;
  readonly callType?: CallType;
  readonly callerID?: number;
  readonly opponentsIDs?: readonly number[];
  readonly sdp?: string;
  readonly userInfo?: Readonly<Record<string, string>>;
  readonly iceCandidates?: readonly IceCandidate[];
}

/**
 * A received signal from what the SDK's XMPP service hands `webrtcSignalingProcessor.onMessage`. It calls the
 * processor twice per stanza; the second call carries the raw XML element (no `signalType`) and gives undefined.
 */
export function parseSignal(extension: unknown): CallSignal | undefined {
  if (typeof extension !== 'object' || extension === null) return undefined;
  const ext = extension as Record<string, unknown>;
  if (ext.moduleIdentifier !== callSignalModule) return undefined;
  if (typeof ext.signalType !== 'string' || !signalTypes.includes(ext.signalType)) return undefined;
  if (typeof ext.sessionID !== 'string' || ext.sessionID === '') return undefined;
  return {
    signalType: ext.signalType as SignalType,
    sessionID: ext.sessionID,
    callType: ext.callType === 2 || ext.callType === '2' ? 2 : 1,
    ...(typeof ext.callerID === 'number' ? { callerID: ext.callerID } : {}),
    opponentsIDs: Array.isArray(ext.opponentsIDs) ? ext.opponentsIDs.map(Number).filter(Number.isFinite) : [],
    ...(typeof ext.sdp === 'string' && ext.sdp !== '' ? { sdp: ext.sdp } : {}),
    userInfo: flattenUserInfo(ext.userInfo),
    iceCandidates: Array.isArray(ext.iceCandidates) ? ext.iceCandidates.flatMap(parseCandidate) : [],
  };
}

function parseCandidate(value: unknown): IceCandidate[] {
  if (typeof value !== 'object' || value === null) return [];
  const c = value as Record<string, unknown>;
  if (typeof c.candidate !== 'string' || c.candidate === '') return [];
  const index = Number.parseInt(String(c.sdpMLineIndex ?? ''), 10);
  return [
    {
      candidate: c.candidate,
      sdpMid: typeof c.sdpMid === 'string' && c.sdpMid !== '' ? c.sdpMid : null,
      sdpMLineIndex: Number.isFinite(index) ? index : 0,
    },
  ];
}

/** `userInfo` arrives as nested objects of strings; the port exposes flat strings (nested values as JSON). */
function flattenUserInfo(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, item]) => [
      key,
      typeof item === 'string' ? item : JSON.stringify(item),
    ]),
  );
}

/**
 * The extension object for `chat.sendWebRTCSignalingMessage`, with the fields the SDK's own signalling
 * provider adds (`moduleIdentifier`, `signalType`, `platform`). The chat service turns it into XML, including
 * the special forms of `opponentsIDs` and `iceCandidates`.
 */
export function signalExtension(signal: CallSignal): Record<string, unknown> {
  const { signalType, iceCandidates, ...fields } = signal;
  return {
    ...fields,
    ...(iceCandidates
      ? {
          iceCandidates: iceCandidates.map((c) => ({
            candidate: c.candidate,
            sdpMid: c.sdpMid ?? '',
            sdpMLineIndex: c.sdpMLineIndex ?? 0,
          })),
        }
      : {}),
    moduleIdentifier: callSignalModule,
    signalType,
    platform: 'node',
  };
}
