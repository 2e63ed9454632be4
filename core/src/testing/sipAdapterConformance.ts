// The SipAdapter port's conformance suite: lifecycle and the call-leg rules, against a remote party the harness
// plays with a real SIP peer (the in-repo harness uses sipp; any peer that can call, answer and hang up works).
import type { AdapterContext } from '../ports/common.ts';
import type { SipMediaEndpoint } from '../ports/MediaRelay.ts';
import type { SipAdapter } from '../ports/SipAdapter.ts';
import { type ConformanceCheck, within } from './Conformance.ts';
import { callLegChecks, type EndpointLease, type RemoteParty } from './callLegChecks.ts';
import { lifecycleCheck } from './lifecycleCheck.ts';

export interface SipAdapterHarness {
  /** A started adapter that the remote party can reach; shared by the call checks. */
  readonly adapter: SipAdapter;
  readonly remote: RemoteParty;
  /** A SIP media endpoint for one call (a real RTP peer, or the relay's). */
  endpoint(): Promise<EndpointLease<SipMediaEndpoint>>;
  /** A new, unstarted adapter and a context to start it with, for the lifecycle check. */
  fresh(): { adapter: SipAdapter; context: AdapterContext };
  readonly stepTimeoutMs?: number;
}

export function sipAdapterConformance(harness: SipAdapterHarness): ConformanceCheck[] {
  return [
    lifecycleCheck('SipAdapter', harness.fresh),
    ...callLegChecks<SipMediaEndpoint>({
      side: 'sip',
      incoming$: harness.adapter.incoming$,
      call: (destination, media) =>
        within(
          harness.adapter.call({
            callId: `conformance-${Date.now()}`,
            to: destination,
            media,
            kinds: { audio: true, video: false },
          }),
          harness.stepTimeoutMs ?? 10_000,
          'SipAdapter.call() must resolve once the INVITE is sent',
        ),
      remote: harness.remote,
      endpoint: () => harness.endpoint(),
      ...(harness.stepTimeoutMs === undefined ? {} : { stepTimeoutMs: harness.stepTimeoutMs }),
    }),
  ];
}
