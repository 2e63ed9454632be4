// A SIP leg in the gateway's CallJournal: recorded once answered (the dialog is confirmed and has everything
// a BYE needs), removed when it ends; and the BYE a new process sends for a record an earlier one left.
import type { CallJournal, SipDialogRecord } from '@cubebridge/core';
import type { Core, Session } from 'sip.js';
import { sipUri } from '../roles/userAgentOptions.ts';
import type { SipCallLeg } from './SipCallLeg.ts';

export function journalDialog(
  leg: SipCallLeg,
  via: SipDialogRecord['via'],
  transport: SipDialogRecord['transport'],
  journal: CallJournal,
): void {
  let key: string | undefined;
  leg.events$.subscribe({
    next: (event) => {
      if (event.type === 'answered' && key === undefined) {
        const record = dialogRecord(leg.session, via, transport);
        if (!record) return;
        key = record.key;
        journal.up(record);
      } else if (event.type === 'ended' && key !== undefined) journal.ended(key);
    },
    complete: () => key !== undefined && journal.ended(key),
  });
}

function dialogRecord(
  session: Session,
  via: SipDialogRecord['via'],
  transport: SipDialogRecord['transport'],
): SipDialogRecord | undefined {
  const dialog = session.dialog as Core.SessionDialog | undefined;
  if (!dialog) return undefined;
  const remoteTarget = dialog.remoteTarget.toString();
  return {
    kind: 'sip',
    key: `sip:${dialog.id}`,
    since: Date.now(),
    via,
    callId: dialog.callId,
    localTag: dialog.localTag,
    remoteTag: dialog.remoteTag,
    localUri: dialog.localURI.toString(),
    remoteUri: dialog.remoteURI.toString(),
    remoteTarget,
    routeSet: [...dialog.routeSet],
    localCSeq: dialog.localSequenceNumber,
    transport,
    destination: dialog.routeSet[0] ?? remoteTarget,
  };
}

/**
 * Our CSeq after a restart. The record holds the CSeq at answer, but refreshes, holds and INFOs raised it since,
 * and a lower one gets 500 (RFC 3261 §12.2.2); sip.js starts a dialog below 10 000, so a million above is past
 * anything a call could have used, and well below 2³¹.
 */
export function cseqAfterRestart(record: SipDialogRecord): number {
  return Math.min((record.localCSeq ?? 0) + 1_000_000, 2 ** 31 - 1);
}

/**
 * Sends the BYE for a dialog an earlier process left up, as that process would have (same Call-ID, tags and
 * route set, to the remote target), and resolves on its final response — or on its timeout, which means the
 * far end is gone too.
 */
export function sendOrphanBye(core: Core.UserAgentCore, record: SipDialogRecord): Promise<number> {
  const message = core.makeOutgoingRequestMessage(
    'BYE',
    sipUri(record.remoteTarget),
    sipUri(record.localUri),
    sipUri(record.remoteUri),
    {
      callId: record.callId,
      fromTag: record.localTag,
      toTag: record.remoteTag,
      cseq: cseqAfterRestart(record),
      routeSet: [...record.routeSet],
    },
    ['Reason: SIP;cause=500;text="the gateway restarted"'],
  );
  return new Promise((resolve) => {
    const settle = (response: Core.IncomingResponse) => resolve(response.message.statusCode ?? 0);
    core.request(message, { onAccept: settle, onReject: settle });
  });
}
