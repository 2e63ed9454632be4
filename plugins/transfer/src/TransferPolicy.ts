// Whether a transfer may go ahead: the transferor and the target against the configured patterns. The core
// carries it out (new leg through the dial plan, re-bridging, REFER progress); this only decides.
import type { TransferDecision, TransferRequest } from '@cubebridge/core';
import type { ResolvedTransferOptions } from './TransferOptions.ts';

export class TransferPolicy {
  readonly #targets: readonly RegExp[] | undefined;
  readonly #transferors: readonly RegExp[] | undefined;
  readonly #ringTimeoutMs: number;
  readonly #appTransfers: boolean;

  constructor(options: ResolvedTransferOptions) {
    this.#targets = options.targets?.map((source) => new RegExp(source));
    this.#transferors = options.transferors?.map((source) => new RegExp(source));
    this.#ringTimeoutMs = options.ringTimeoutSec * 1000;
    this.#appTransfers = options.appTransfers;
  }

  decide(request: TransferRequest): TransferDecision {
    if (request.by === 'platform' && !this.#appTransfers)
      return { allow: false, reason: 'refused', detail: 'app users may not transfer calls' };
    if (this.#transferors && !this.#transferors.some((re) => re.test(request.transferor.uri)))
      return { allow: false, reason: 'refused', detail: `${request.transferor.uri} may not transfer calls` };
    if (this.#targets && !this.#targets.some((re) => re.test(request.target)))
      return { allow: false, reason: 'refused', detail: `transfers to ${request.target} are not allowed` };
    return { allow: true, ringTimeoutMs: this.#ringTimeoutMs };
  }
}
