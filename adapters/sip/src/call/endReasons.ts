// One table between the core's protocol-free end reasons and SIP status codes, used both ways.
import type { EndReason } from '@cubebridge/core';

const statusByReason: Readonly<Record<EndReason, number>> = {
  normal: 200,
  cancelled: 487,
  busy: 486,
  'no-answer': 480,
  declined: 603,
  'not-found': 404,
  unavailable: 503,
  refused: 403,
  'media-failed': 488,
  error: 500,
  shutdown: 503,
};

/** The final response to send when we refuse or end an unanswered inbound call. */
export function statusForReason(reason: EndReason): number {
  return statusByReason[reason];
}

/** What a final response from the remote side means for the core. */
export function reasonForStatus(status: number): EndReason {
  switch (status) {
    case 486:
    case 600:
      return 'busy';
    case 408:
    case 480:
      return 'no-answer';
    case 603:
    case 607:
      return 'declined';
    case 404:
    case 410:
    case 484:
    case 604:
      return 'not-found';
    case 487:
      return 'cancelled';
    case 401:
    case 403:
    case 407:
      return 'refused';
    case 488:
    case 606:
      return 'media-failed';
    default:
      if (status >= 500 && status < 600) return 'unavailable';
      return 'error';
  }
}
