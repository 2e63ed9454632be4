// Messages between the benchmark's orchestrator, the gateway process (the relay under test) and the load process.

export type BenchMode = 'udp-floor' | 'relay' | 'transcode';

export interface CallOffer {
  readonly index: number;
  /** Browser-side SDP (werift offer) for relay/transcode; the browser-side UDP port for the floor. */
  readonly webrtc: string;
  /** Phone-side SDP offer (PCMU) for relay/transcode; the phone-side UDP port for the floor. */
  readonly sip: string;
}

export interface CallAnswer {
  readonly index: number;
  readonly webrtc: string;
  readonly sip: string;
}

export interface GatewayMeasurement {
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  readonly wallMs: number;
  readonly packetsRelayed: number;
  readonly rssMb: number;
  /** RSS before any call was set up. */
  readonly baselineRssMb: number;
  readonly heapMb: number;
  readonly loopDelayP50Ms: number;
  readonly loopDelayP99Ms: number;
}

export interface LoadMeasurement {
  readonly sent: number;
  readonly received: number;
  readonly latencyP50Ms: number | undefined;
  readonly latencyP99Ms: number | undefined;
  readonly ppsPerStream: number;
}

export type ToGateway =
  | { readonly type: 'setup'; readonly mode: BenchMode }
  | { readonly type: 'offer'; readonly offer: CallOffer }
  | { readonly type: 'measure'; readonly seconds: number }
  | { readonly type: 'exit' };

export type FromGateway =
  | { readonly type: 'ready' }
  | { readonly type: 'answer'; readonly answer: CallAnswer }
  | { readonly type: 'measured'; readonly result: GatewayMeasurement };

export type ToLoad =
  | { readonly type: 'setup'; readonly mode: BenchMode; readonly calls: number }
  | { readonly type: 'answer'; readonly answer: CallAnswer }
  | { readonly type: 'start' }
  | { readonly type: 'window'; readonly open: boolean }
  | { readonly type: 'exit' };

export type FromLoad =
  | { readonly type: 'offer'; readonly offer: CallOffer }
  | { readonly type: 'connected' }
  | { readonly type: 'measured'; readonly result: LoadMeasurement };

export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}
