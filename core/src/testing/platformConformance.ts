// The Platform port's conformance suite: lifecycle and the call-leg rules, against a remote app user the harness
// plays (the in-repo harness uses a second ConnectyCube adapter through the sandbox: real chat and signalling).
import type { AdapterContext } from '../ports/common.ts';
import type { WebRtcMediaEndpoint } from '../ports/MediaRelay.ts';
import type { Platform } from '../ports/Platform.ts';
import { type ConformanceCheck, within } from './Conformance.ts';
import { callLegChecks, type EndpointLease, type RemoteParty } from './callLegChecks.ts';
import { lifecycleCheck } from './lifecycleCheck.ts';

export interface PlatformHarness {
  /** A started platform adapter the remote app user can reach; shared by the call checks. */
  readonly platform: Platform;
  readonly remote: RemoteParty;
  /** A WebRTC media endpoint for one call. */
  endpoint(): Promise<EndpointLease<WebRtcMediaEndpoint>>;
  /** A new, unstarted adapter and a context to start it with, for the lifecycle check. */
  fresh(): { adapter: Platform; context: AdapterContext };
  readonly stepTimeoutMs?: number;
}

export function platformConformance(harness: PlatformHarness): ConformanceCheck[] {
  return [
    lifecycleCheck('Platform', harness.fresh),
    ...callLegChecks<WebRtcMediaEndpoint>({
      side: 'platform',
      incoming$: harness.platform.incoming$,
      call: (destination, media) =>
        within(
          harness.platform.call({
            callId: `conformance-${Date.now()}`,
            to: [destination],
            from: { uri: 'sip:conformance@127.0.0.1', displayName: 'Conformance' },
            media,
            kinds: { audio: true, video: false },
          }),
          harness.stepTimeoutMs ?? 10_000,
          'Platform.call() must resolve once the call is placed',
        ),
      remote: harness.remote,
      endpoint: () => harness.endpoint(),
      ...(harness.stepTimeoutMs === undefined ? {} : { stepTimeoutMs: harness.stepTimeoutMs }),
    }),
  ];
}
