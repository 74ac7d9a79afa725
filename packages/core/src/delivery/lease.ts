import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import type { EngineContext } from '../engine/context.js'
import type { WriteTx } from '../engine/write-tx.js'

/**
 * Leases shared by the workers that send from a table (the outbox, webhook queues): rows are
 * claimed for one engine instance (`claimed_by`, `claimed_until`) inside a transaction that
 * holds a per-schema advisory lock on PostgreSQL, so two instances never claim the same queue
 * at once. SQLite has one writer: its write transactions are already one at a time.
 */

/** A name for one worker in `claimed_by`. */
export function workerName(): string {
  return `ins_${randomUUID()}`
}

/** Takes the claim lock of `key` for the rest of `tx` (PostgreSQL; a no-op elsewhere). */
export async function lockClaims(ctx: EngineContext, tx: WriteTx, key: number): Promise<void> {
  if (ctx.store.dialect !== 'postgres') return
  await sql`select pg_advisory_xact_lock(${key}, hashtext(current_schema()))`.execute(tx.db)
}

/** True when another worker holds a live lease on the row. */
export function leasedByOther(
  row: { claimed_by: string | null; claimed_until: number | string | null },
  now: number,
  me: string,
): boolean {
  return row.claimed_until !== null && Number(row.claimed_until) > now && row.claimed_by !== me
}

/** The advisory lock key of outbox claims (with the schema's hash: one lock per schema). */
export const outboxLockKey = 7013
/** The advisory lock key of webhook claims and scans. */
export const webhookLockKey = 7014
