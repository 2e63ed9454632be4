// @cubebridge/core/testing — the port conformance suites. An adapter author runs the suite of the port they
// implement against their adapter, with a harness that plays the remote party with a real peer:
//
//   import { describe, it } from 'vitest';
//   import { describeConformance, sipAdapterConformance } from '@cubebridge/core/testing';
//   describeConformance({ describe, it }, 'my SIP adapter', sipAdapterConformance(harness));
export {
  type ConformanceCheck,
  ConformanceError,
  type ConformanceFailure,
  describeConformance,
  runConformance,
  type TestRunner,
  within,
} from './Conformance.ts';
export {
  callLegChecks,
  type EndpointLease,
  type LegAdapterFace,
  type RemoteCall,
  type RemoteParty,
} from './callLegChecks.ts';
export { lifecycleCheck } from './lifecycleCheck.ts';
export { type MediaRelayHarness, mediaRelayConformance } from './mediaRelayConformance.ts';
export { type PlatformHarness, platformConformance } from './platformConformance.ts';
export { type SipAdapterHarness, sipAdapterConformance } from './sipAdapterConformance.ts';
