import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import { lockClaims, webhookLockKey } from '../delivery/lease.js'
import type { EngineContext } from '../engine/context.js'
import { newestCursor } from '../events/queries.js'
import { chunk } from '../util/chunk.js'
import type { WebhookTarget } from './runner-types.js'

/** Events read per scan (and queues read when looking for the next due one). */
export const scanPage = 1000

/**
 * Records the endpoints seen for the first time (starting after the newest event, or at the
 * first); answers the ids of those found disabled in the table.
 */
export async function ensureEndpoints(
  ctx: EngineContext,
  targets: ReadonlyMap<string, WebhookTarget>,
  startAt: 'now' | 'beginning',
): Promise<string[]> {
  return ctx.write(async (tx) => {
    await lockClaims(ctx, tx, webhookLockKey)
    const ids = [...targets.keys()]
    const found = new Map<string, number | null>()
    for (const part of chunk(ids, ctx.maxParameters)) {
      const rows = await tx.db
        .selectFrom('webhook_endpoints')
        .select(['id', 'disabled_at'])
        .where('id', 'in', part)
        .execute()
      for (const r of rows) found.set(r.id, r.disabled_at === null ? null : Number(r.disabled_at))
    }
    const missing = ids.filter((id) => !found.has(id))
    if (missing.length > 0) {
      const start = startAt === 'now' ? await newestCursor(tx.db) : 0
      await tx.db
        .insertInto('webhook_endpoints')
        .values(
          missing.map((id) => ({
            id,
            start_cursor: start,
            scanned: start,
            created_at: tx.now,
            disabled_at: null,
            disabled_reason: null,
          })),
        )
        .execute()
    }
    return [...found].filter(([, at]) => at !== null).map(([id]) => id)
  }, 'admin.webhooks.start')
}

/**
 * Events after the endpoint's `scanned`, assigned to their accounts' queues (`head`); up to 20
 * pages a pass, fewer once `stopped()`.
 */
export async function scanEndpoint(
  ctx: EngineContext,
  target: WebhookTarget,
  stopped: () => boolean,
): Promise<void> {
  const accounts = target.accounts === 'all' ? undefined : target.accounts
  for (let round = 0; round < 20 && !stopped(); round++) {
    const endpoint = await ctx.db
      .selectFrom('webhook_endpoints')
      .select('scanned')
      .where('id', '=', target.id)
      .executeTakeFirst()
    if (!endpoint) return
    // Nothing new: no write.
    if (!(await newEvents(ctx.db, Number(endpoint.scanned), accounts, 1)).length) return
    const more = await ctx.write(async (tx) => {
      await lockClaims(ctx, tx, webhookLockKey)
      const current = await tx.db
        .selectFrom('webhook_endpoints')
        .select('scanned')
        .where('id', '=', target.id)
        .executeTakeFirstOrThrow()
      const scanned = Number(current.scanned)
      const events = await newEvents(tx.db, scanned, accounts, scanPage)
      if (events.length === 0) return false
      const heads = new Map<string, number>()
      for (const e of events) heads.set(e.owner ?? '', Number(e.cursor))
      const rows = [...heads].map(([account, head]) => ({
        endpoint: target.id,
        account,
        cursor: scanned,
        head,
        attempts: 0,
        due_at: tx.now,
        claimed_by: null,
        claimed_until: null,
        last_error: null,
        updated_at: tx.now,
      }))
      for (const part of chunk(rows, Math.floor(ctx.maxParameters / 10))) {
        await tx.db
          .insertInto('webhook_cursors')
          .values(part)
          .onConflict((oc) =>
            oc.columns(['endpoint', 'account']).doUpdateSet((eb) => ({
              head: eb.ref('excluded.head'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute()
      }
      await tx.db
        .updateTable('webhook_endpoints')
        .set({ scanned: Number(events.at(-1)!.cursor) })
        .where('id', '=', target.id)
        .execute()
      return events.length === scanPage
    }, 'webhooks.scan')
    if (!more) return
  }
}

function newEvents(
  db: Kysely<Database>,
  after: number,
  accounts: string[] | undefined,
  limit: number,
): Promise<{ cursor: number | string; owner: string | null }[]> {
  let query = db.selectFrom('events').select(['cursor', 'owner']).where('cursor', '>', after)
  if (accounts !== undefined) query = query.where('owner', 'in', accounts)
  return query.orderBy('cursor').limit(limit).execute()
}
