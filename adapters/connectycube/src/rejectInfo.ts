// How an EndReason is told to an app in the `userInfo` of a `reject` or `hangUp`, and read back from one.
import type { EndReason } from '@cubebridge/core';

/** `userInfo` for a refusal: apps show `reason`; `busy: 'true'` is what SDK samples look at. */
export function refusalUserInfo(reason: EndReason, detail?: string): Record<string, string> {
  return {
    reason,
    ...(reason === 'busy' ? { busy: 'true' } : {}),
    ...(detail === undefined ? {} : { detail }),
  };
}

/** A `reject` from an app: busy when it says so, declined otherwise. */
export function reasonOfReject(userInfo: Readonly<Record<string, string>> | undefined): EndReason {
  const busy = userInfo?.busy === 'true' || userInfo?.busy === '1' || userInfo?.reason === 'busy';
  return busy ? 'busy' : 'declined';
}
