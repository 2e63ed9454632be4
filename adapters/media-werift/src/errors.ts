// Named errors of the media relay, each carrying the state that made the call invalid.
import type { ConfigIssue } from '@cubebridge/core';

/** A method was called on a closed relay, session or leg. */
export class MediaClosedError extends Error {
  override readonly name = 'MediaClosedError';
  constructor(what: string) {
    super(`${what} is closed`);
  }
}

/** An SDP method was called out of offer/answer order (e.g. `createAnswer` without a remote offer). */
export class NegotiationStateError extends Error {
  override readonly name = 'NegotiationStateError';
  constructor(leg: string, method: string, state: string) {
    super(`${leg}: ${method}() is not allowed in state "${state}"`);
  }
}

/** The remote SDP offers nothing this relay can use (no shared or transcodable codec, unsupported profile). */
export class UnsupportedMediaError extends Error {
  override readonly name = 'UnsupportedMediaError';
}

/** No free RTP port pair in the configured range. */
export class PortRangeExhaustedError extends Error {
  override readonly name = 'PortRangeExhaustedError';
  constructor(range: readonly [number, number]) {
    super(`no free RTP port pair in ${range[0]}-${range[1]}`);
  }
}

/** SDP text that cannot be parsed. */
export class SdpParseError extends Error {
  override readonly name = 'SdpParseError';
}

/** A `media` config section with an unknown key or a value of the wrong kind; names every one. */
export class MediaConfigError extends Error {
  override readonly name = 'MediaConfigError';
  /** The first wrong key's path (`media.rtpPorts`). */
  readonly path: string;
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map((issue) => `${issue.path}: ${issue.message} (found: ${issue.found})`).join('\n'));
    this.path = issues[0]?.path ?? 'media';
    this.issues = issues;
  }
}
