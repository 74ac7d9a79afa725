import type { Selectable, Updateable } from 'kysely'
import type { WebhookCursorsTable } from '../db/schema.js'
import { leasedByOther, lockClaims, webhookLockKey, workerName } from '../delivery/lease.js'
import { retryDelay } from '../delivery/options.js'
import type { EngineContext } from '../engine/context.js'
import { eventFromRow } from '../events/queries.js'
import type { PigeonholeEvent } from '../types.js'
import { scanPage } from './scan.js'

export type QueueRow = Selectable<WebhookCursorsTable>

/** Events read per queue read. */
const queuePage = 100

export const queueKey = (row: { endpoint: string; account: string }) =>
  `${row.endpoint}\u0000${row.account}`

/** How a runner's backoff grows (full jitter, capped). */
export interface RetryPolicy {
  baseDelayMs: number
  maxDelayMs: number
  random: () => number
}

/**
 * The queues (rows of `webhook_cursors`) as one runner instance sees them: claimed under a
 * lease in its name, their events read, each answer recorded, given back.
 */
export class WebhookQueues {
  readonly #ctx: EngineContext
  readonly #me = workerName()
  readonly #leaseMs: number
  readonly #retry: RetryPolicy

  constructor(ctx: EngineContext, leaseMs: number, retry: RetryPolicy) {
    this.#ctx = ctx
    this.#leaseMs = leaseMs
    this.#retry = retry
  }

  /**
   * Due queues of the endpoints `ids` with work, not leased by another instance nor in
   * `active` (sent here already): leased to us, `free` at most.
   */
  async claim(
    ids: string[],
    free: number,
    active: ReadonlyMap<string, unknown>,
  ): Promise<QueueRow[]> {
    const ctx = this.#ctx
    if (ids.length === 0) return []
    return ctx.write(async (tx) => {
      await lockClaims(ctx, tx, webhookLockKey)
      const now = tx.now
      const rows = await tx.db
        .selectFrom('webhook_cursors')
        .selectAll()
        .where('endpoint', 'in', ids)
        .whereRef('head', '>', 'cursor')
        .where('due_at', '<=', now)
        .where((eb) =>
          eb.or([
            eb('claimed_until', 'is', null),
            eb('claimed_until', '<=', now),
            eb('claimed_by', '=', this.#me),
          ]),
        )
        .orderBy('due_at')
        .limit(free + active.size)
        .execute()
      const taken = rows.filter((r) => !active.has(queueKey(r))).slice(0, free)
      for (const row of taken) {
        await tx.db
          .updateTable('webhook_cursors')
          .set({ claimed_by: this.#me, claimed_until: now + this.#leaseMs })
          .where('endpoint', '=', row.endpoint)
          .where('account', '=', row.account)
          .execute()
      }
      return taken
    }, 'webhooks.claim')
  }

  /** The queue's events after `cursor`, oldest first. */
  async events(row: QueueRow, cursor: number): Promise<PigeonholeEvent[]> {
    let query = this.#ctx.db.selectFrom('events').selectAll().where('cursor', '>', cursor)
    query =
      row.account === '' ? query.where('owner', 'is', null) : query.where('owner', '=', row.account)
    const rows = await query.orderBy('cursor').limit(queuePage).execute()
    return rows.map(eventFromRow)
  }

  /** Moves the cursor and renews the lease; false when the lease was lost (another instance has the queue). */
  async acknowledged(row: QueueRow, cursor: number): Promise<boolean> {
    const result = await this.#ctx.write(async (tx) => {
      return tx.db
        .updateTable('webhook_cursors')
        .set({
          cursor,
          attempts: 0,
          last_error: null,
          claimed_until: tx.now + this.#leaseMs,
          updated_at: tx.now,
        })
        .where('endpoint', '=', row.endpoint)
        .where('account', '=', row.account)
        .where('claimed_by', '=', this.#me)
        .executeTakeFirst()
    }, 'webhooks.acknowledged')
    return Number(result.numUpdatedRows) > 0
  }

  /** Gives the queue back (after `cursor` when events were skipped by type). */
  async release(row: QueueRow, cursor: number | undefined): Promise<void> {
    await this.#giveBack(row, 'webhooks.release', () => (cursor === undefined ? {} : { cursor }))
  }

  /** Gives the queue back after a failed attempt, due again after the backoff (or `retryAfterMs`). */
  async backOff(
    row: QueueRow,
    cursor: number,
    attempts: number,
    result: { error: string; retryAfterMs?: number | undefined },
  ): Promise<void> {
    await this.#giveBack(row, 'webhooks.backOff', (now) => ({
      cursor,
      attempts,
      due_at: now + retryDelay(this.#retry, attempts, result.retryAfterMs),
      last_error: result.error.slice(0, 1000),
    }))
  }

  /** Unclaims the queue, if it is still this instance's, with `more` columns set. */
  async #giveBack(
    row: QueueRow,
    where: string,
    more: (now: number) => Updateable<WebhookCursorsTable>,
  ): Promise<void> {
    await this.#ctx.write(async (tx) => {
      await tx.db
        .updateTable('webhook_cursors')
        .set({ ...more(tx.now), claimed_by: null, claimed_until: null, updated_at: tx.now })
        .where('endpoint', '=', row.endpoint)
        .where('account', '=', row.account)
        .where('claimed_by', '=', this.#me)
        .execute()
    }, where)
  }

  /** 410 Gone: the endpoint is disabled (every instance stops); its cursors stay. */
  async gone(row: QueueRow, cursor: number, why: string): Promise<void> {
    await this.#ctx.write(async (tx) => {
      await tx.db
        .updateTable('webhook_endpoints')
        .set({ disabled_at: tx.now, disabled_reason: why.slice(0, 1000) })
        .where('id', '=', row.endpoint)
        .execute()
      await tx.db
        .updateTable('webhook_cursors')
        .set({
          cursor,
          last_error: why.slice(0, 1000),
          claimed_by: null,
          claimed_until: null,
          updated_at: tx.now,
        })
        .where('endpoint', '=', row.endpoint)
        .where('account', '=', row.account)
        .where('claimed_by', '=', this.#me)
        .execute()
    }, 'webhooks.gone')
  }
  /**
   * The earliest time a queue of the endpoints `ids` with work, not in `active`, can be sent:
   * its due time, or the end of another's lease.
   */
  async nextDue(ids: string[], active: ReadonlyMap<string, unknown>): Promise<number | undefined> {
    if (ids.length === 0) return undefined
    const rows = await this.#ctx.db
      .selectFrom('webhook_cursors')
      .select(['endpoint', 'account', 'due_at', 'claimed_by', 'claimed_until'])
      .where('endpoint', 'in', ids)
      .whereRef('head', '>', 'cursor')
      .orderBy('due_at')
      .limit(scanPage)
      .execute()
    const now = this.#ctx.clock.now()
    let next: number | undefined
    for (const row of rows) {
      if (active.has(queueKey(row))) continue
      const at = Math.max(
        Number(row.due_at),
        leasedByOther(row, now, this.#me) ? Number(row.claimed_until) : 0,
      )
      next = next === undefined ? at : Math.min(next, at)
    }
    return next
  }
}
