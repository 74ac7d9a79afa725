import { notFound } from '../accounts/lookup.js'
import type { EngineContext } from '../engine/context.js'
import { lockRows } from '../engine/row-locks.js'
import type { WriteTx } from '../engine/write-tx.js'
import type { ConsentChangeResult, ConsentMode } from '../types.js'
import { readState, writeState } from './queries.js'
import { admitWaiting, dropWaiting } from './requests-box.js'

/**
 * Sets what `owner` holds about `sender`, in the caller's transaction: nothing when it already
 * is `state` (no log row, no event); else the new state, a log row and `consent.changed`, and
 * in mode `requests` the sender's waiting entries move to `inbox` (grant) or go (revoke).
 * The owner's account row is locked FOR UPDATE first: a send to the owner (which locks it FOR
 * KEY SHARE) runs wholly before or after, so no entry slips into `requests` meanwhile.
 */
export async function changeConsent(
  ctx: EngineContext,
  tx: WriteTx,
  owner: string,
  sender: string,
  state: 'allowed' | 'denied',
  where: string,
): Promise<ConsentChangeResult> {
  const account = await tx.db
    .selectFrom('accounts')
    .select('consent')
    .where('address', '=', owner)
    .$call((q) => lockRows(q, ctx, 'update'))
    .executeTakeFirst()
  if (!account) throw notFound(owner, where, 'owner')
  const previous = await readState(tx.db, owner, sender)
  const result = { owner, sender, state, previous, changed: false, moved: 0, dropped: 0 }
  if (previous === state) return result
  await writeState(ctx, tx, owner, sender, state, previous)
  result.changed = true
  if ((account.consent as ConsentMode) === 'requests') {
    if (state === 'allowed') result.moved = await admitWaiting(tx, owner, sender)
    else result.dropped = await dropWaiting(tx, owner, sender)
  }
  return result
}
