// On start: end each leg the journal says an earlier process left up (a BYE to the phone, a hang-up to the
// app), through the adapter of its side, and forget it whatever the outcome — one attempt, since a far end
// that does not answer has most likely ended the call already.
import type { Logger } from '../logging/Logger.ts';
import type { CallJournal, CallRecord } from '../ports/CallJournal.ts';
import type { Platform } from '../ports/Platform.ts';
import type { SipAdapter } from '../ports/SipAdapter.ts';

export async function endOrphanedCalls(
  journal: CallJournal,
  adapters: { readonly sip?: SipAdapter | undefined; readonly platform?: Platform | undefined },
  logger: Logger,
): Promise<{ ended: number; failed: number }> {
  let ended = 0;
  let failed = 0;
  const endOne = async (record: CallRecord) => {
    try {
      if (record.kind === 'sip') {
        if (!adapters.sip?.endOrphanedCall) throw new Error('no SIP adapter that can end it');
        await adapters.sip.endOrphanedCall(record);
      } else {
        if (!adapters.platform?.endOrphanedCall) throw new Error('no platform adapter that can end it');
        await adapters.platform.endOrphanedCall(record);
      }
      ended++;
      logger.info(
        { leg: record.key, since: new Date(record.since).toISOString() },
        'ended a call an earlier process left up',
      );
    } catch (error) {
      failed++;
      logger.warn({ leg: record.key, err: error }, 'could not end a call an earlier process left up');
    } finally {
      journal.ended(record.key);
    }
  };
  await Promise.all(journal.left.map(endOne));
  return { ended, failed };
}
