// RFC 3515 §2.4.5: the NOTIFYs of a REFER's implicit subscription carry the new call's status line as a
// `message/sipfrag` body; the last one terminates the subscription.
import type { TransferProgress } from '@cubebridge/core';
import { statusForReason } from './endReasons.ts';

export const sipfragType = 'message/sipfrag;version=2.0';

const reasonPhrases: Readonly<Record<number, string>> = {
  200: 'OK',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  480: 'Temporarily Unavailable',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  500: 'Server Internal Error',
  503: 'Service Unavailable',
  600: 'Busy Everywhere',
  603: 'Decline',
};

/**
 * The status line for a transfer's outcome: 200 when it succeeded; else the far end's own code when the
 * failure carries one (`486` from a busy target), or the code the reason maps to (480 for a 2xx one).
 */
export function sipfragFor(progress: TransferProgress): string {
  if (progress.state === 'succeeded') return 'SIP/2.0 200 OK';
  const mapped = statusForReason(progress.reason);
  const status =
    progress.detail && /^[3-6]\d\d$/.test(progress.detail)
      ? Number(progress.detail)
      : // A failure is never a 2xx, even for a reason that ends answered calls (`normal`).
        mapped >= 300
        ? mapped
        : 480;
  return `SIP/2.0 ${status} ${reasonPhrases[status] ?? 'Transfer Failed'}`;
}

/** The status code of a NOTIFY's sipfrag (`SIP/2.0 486 Busy Here` → 486); undefined when there is none. */
export function sipfragStatus(body: string | undefined): number | undefined {
  const match = /^\s*SIP\/2\.0\s+(\d{3})\b/.exec(body ?? '');
  return match ? Number(match[1]) : undefined;
}

export function referNotifyHeaders(final: boolean): string[] {
  return [
    'Event: refer',
    final ? 'Subscription-State: terminated;reason=noresource' : 'Subscription-State: active;expires=60',
  ];
}
