import type { EngineContext } from '../engine/context.js'
import { lockRows } from '../engine/row-locks.js'
import { isDue, RequestState, undecided } from './request-state.js'
import type { RequestRow } from './rows.js'

/** Requests expired per write of the sweep: short transactions let other writers in. */
const sweepBatch = 500

/** The rows among `rows` that are past `expiresAt` and not yet decided. */
export function readExpiring(rows: readonly RequestRow[], now: number): RequestRow[] {
  return rows.filter((row) => isDue(row, now))
}

function dueQuery(db: EngineContext['db'], now: number) {
  return db
    .selectFrom('requests')
    .selectAll()
    .where('expires_at', '<', now)
    .where('status', 'in', undecided)
}

/**
 * Stores `Expired` on the owner's due requests (only `ids`, when given), each with its
 * `request.statusChanged` event. Reads first, so a read with nothing due writes nothing.
 */
export async function expireOwner(
  ctx: EngineContext,
  owner: string,
  ids?: readonly string[],
): Promise<void> {
  const due = await dueQuery(ctx.db, ctx.clock.now())
    .where('owner', '=', owner)
    .$if(ids !== undefined, (q) => q.where('id', 'in', ids!))
    .select('id')
    .execute()
  if (due.length === 0) return
  await ctx.write(async (tx) => {
    const query = dueQuery(tx.db, tx.now)
      .where('owner', '=', owner)
      .where(
        'id',
        'in',
        due.map((r) => r.id),
      )
    for (const row of await lockRows(query, ctx, 'update').execute()) {
      await new RequestState(tx, row, false).move('Expired').save()
    }
  }, 'requests: expiry')
}

/** The sweep: every due request, in short writes; returns how many expired. */
export async function expireDue(ctx: EngineContext): Promise<number> {
  let total = 0
  for (;;) {
    const count = await ctx.write(async (tx) => {
      const query = dueQuery(tx.db, tx.now).orderBy('expires_at').limit(sweepBatch)
      const rows = await lockRows(query, ctx, 'update').execute()
      for (const row of rows) await new RequestState(tx, row, false).move('Expired').save()
      return rows.length
    }, 'requests.expireDue')
    total += count
    if (count < sweepBatch) return total
  }
}
