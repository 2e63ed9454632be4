// A MediaRelay decorator for `pnpm bench:e2e`: the relay's own calls (session creation, each endpoint's SDP
// methods) are timed and reported as spans, so the set-up time can be split into media work and the rest.
import type { MediaRelay, MediaSession } from '@cubebridge/core';

export interface Span {
  /** The gateway's call id the session was created for. */
  readonly callId: string;
  /** `createSession`, or `<leg>.<method>` such as `webrtc.createOffer`. */
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

const sdpMethods = new Set<PropertyKey>(['createOffer', 'createAnswer', 'setRemoteOffer', 'setRemoteAnswer']);

async function timed<T>(run: () => Promise<T>, done: (start: number, end: number) => void): Promise<T> {
  const start = performance.now();
  try {
    return await run();
  } finally {
    done(start, performance.now());
  }
}

/** Methods are called on the real object (werift endpoints keep `#private` state), the SDP ones timed. */
function timedObject<T extends object>(target: T, wrap: (key: PropertyKey, value: unknown) => unknown): T {
  return new Proxy(target, {
    get(object, key) {
      const value: unknown = Reflect.get(object, key, object);
      const wrapped = wrap(key, value);
      if (wrapped !== undefined) return wrapped;
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

export function timedRelay(relay: MediaRelay, record: (span: Span) => void): MediaRelay {
  const endpoint = <E extends object>(callId: string, leg: string, target: E): E =>
    timedObject(target, (key, value) =>
      typeof value === 'function' && sdpMethods.has(key)
        ? (...args: unknown[]) =>
            timed(
              () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args),
              (start, end) => record({ callId, name: `${leg}.${String(key)}`, start, end }),
            )
        : undefined,
    );
  return timedObject(relay, (key, value) =>
    key === 'createSession' && typeof value === 'function'
      ? (options: Parameters<MediaRelay['createSession']>[0]) =>
          timed(
            () => (value as MediaRelay['createSession']).call(relay, options),
            (start, end) => record({ callId: options.callId, name: 'createSession', start, end }),
          ).then((session: MediaSession) => {
            const sip = endpoint(options.callId, 'sip', session.sip);
            const webrtc = endpoint(options.callId, 'webrtc', session.webrtc);
            return timedObject(session, (name) =>
              name === 'sip' ? sip : name === 'webrtc' ? webrtc : undefined,
            );
          })
      : undefined,
  );
}
