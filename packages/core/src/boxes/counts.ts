import type { InsertQueryBuilder, InsertResult, Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { EngineContext } from '../engine/context.js'
import { insertRows } from '../engine/insert-rows.js'
import type { QueryTemplates, StatementTarget } from '../engine/query-templates.js'
import { readRows } from '../engine/reads.js'
import type { BoxCount, Difference } from '../types.js'

// The one owner of `box_counts`: every statement that reads or writes the kept totals is here.

interface Delta {
  owner: string
  box: string
  total: number
  unread: number
}

/** The count changes of one transaction, summed per owner and box, written at its end. */
export class CountDeltas {
  readonly #deltas = new Map<string, Delta>()

  /** Adds to the live totals of a box (negative to take away). */
  add(owner: string, box: string, total: number, unread: number): void {
    const key = `${owner}\u0000${box}`
    const row = this.#deltas.get(key)
    if (row) {
      row.total += total
      row.unread += unread
    } else {
      this.#deltas.set(key, { owner, box, total, unread })
    }
  }

  /** Upserts the summed deltas, in the caller's transaction. */
  async write(templates: QueryTemplates, target: StatementTarget, maxParameters: number) {
    // Always in one order, so concurrent writers lock count rows alike and do not deadlock.
    const deltas = [...this.#deltas.values()]
    if (deltas.length > 1) deltas.sort(byOwnerAndBox)
    await insertRows(templates, target, 'box_counts', deltas, maxParameters, addToCounts, 'add')
  }
}

function byOwnerAndBox(a: Delta, b: Delta): number {
  return a.owner === b.owner ? (a.box < b.box ? -1 : 1) : a.owner < b.owner ? -1 : 1
}

/** The upsert's conflict clause: the deltas are added to the kept totals. */
function addToCounts(insert: InsertQueryBuilder<Database, 'box_counts', InsertResult>) {
  return insert.onConflict((oc) =>
    oc.columns(['owner', 'box']).doUpdateSet((eb) => ({
      total: eb('box_counts.total', '+', eb.ref('excluded.total')),
      unread: eb('box_counts.unread', '+', eb.ref('excluded.unread')),
    })),
  )
}

/**
 * One unread inbox entry more for every owner of an entry of `messageId` (a broadcast): the
 * counts follow the entries just written, not a second read of accounts (which a concurrent
 * register or remove could change). The WHERE also keeps SQLite from reading ON CONFLICT as
 * part of the SELECT.
 */
export async function countInboxEntries(db: Kysely<Database>, messageId: string): Promise<void> {
  const insert = db
    .insertInto('box_counts')
    .columns(['owner', 'box', 'total', 'unread'])
    .expression((eb) =>
      eb
        .selectFrom('box_entries')
        .select([
          'owner',
          eb.cast<string>(eb.val('inbox'), 'text').as('box'),
          eb.cast<number>(eb.val(1), 'integer').as('total'),
          eb.cast<number>(eb.val(1), 'integer').as('unread'),
        ])
        .where('message_id', '=', messageId),
    )
  await addToCounts(insert).execute()
}

/** Drops every count of `owner` (a removed account). */
export async function deleteCounts(db: Kysely<Database>, owner: string): Promise<void> {
  await db.deleteFrom('box_counts').where('owner', '=', owner).execute()
}

interface OwnerCountRow {
  box: string | null
  total: number | null
  unread: number | null
}

/**
 * The kept totals of each box `owner` (normalized) has a count row for; undefined when
 * `owner` is not an account. One statement answers both: the account LEFT JOIN its counts
 * (one row with a null box for an account without any).
 */
export async function readOwnerCounts(
  ctx: EngineContext,
  owner: string,
): Promise<Map<string, BoxCount> | undefined> {
  const rows = await readRows<OwnerCountRow>(ctx, 'boxes.counts', [owner], ownerCountsQuery)
  if (rows.length === 0) return undefined
  const counts = new Map<string, BoxCount>()
  for (const r of rows) {
    if (r.box !== null) counts.set(r.box, { total: Number(r.total), unread: Number(r.unread) })
  }
  return counts
}

function ownerCountsQuery(db: Kysely<Database>, slot: (index: number) => never) {
  return db
    .selectFrom('accounts as a')
    .leftJoin('box_counts as c', 'c.owner', 'a.address')
    .select(['c.box', 'c.total', 'c.unread'])
    .where('a.address', '=', slot(0))
}

/** The kept totals of one box of `owner`, or of all its boxes summed. */
export async function sumCounts(
  db: Kysely<Database>,
  owner: string,
  box: string | undefined,
): Promise<BoxCount> {
  const row = await db
    .selectFrom('box_counts')
    .where('owner', '=', owner)
    .$if(box !== undefined, (qb) => qb.where('box', '=', box!))
    .select((eb) => [eb.fn.sum<number>('total').as('t'), eb.fn.sum<number>('unread').as('u')])
    .executeTakeFirst()
  return { total: Number(row?.t ?? 0), unread: Number(row?.u ?? 0) }
}

/** Whether `owner` has a count row for `box`: a custom box exists once something moved there. */
export async function hasCountedBox(
  db: Kysely<Database>,
  owner: string,
  box: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('box_counts')
    .select('box')
    .where('owner', '=', owner)
    .where('box', '=', box)
    .executeTakeFirst()
  return row !== undefined
}

/** The boxes `owner` has a count row for, by name. */
export async function countedBoxes(db: Kysely<Database>, owner: string): Promise<string[]> {
  const rows = await db
    .selectFrom('box_counts')
    .select('box')
    .where('owner', '=', owner)
    .orderBy('box')
    .execute()
  return rows.map((r) => r.box)
}

/** Recounts every box from its live entries and reports where the kept totals differ. */
export async function countMismatches(db: Kysely<Database>): Promise<Difference[]> {
  const out: Difference[] = []
  const recount = await db
    .selectFrom('box_entries')
    .select((eb) => [
      'owner',
      'box',
      eb.fn.countAll<number>().as('total'),
      eb.fn.sum<number>(eb.case().when('read_at', 'is', null).then(1).else(0).end()).as('unread'),
    ])
    .where('deleted_at', 'is', null)
    .groupBy(['owner', 'box'])
    .execute()
  const kept = await db.selectFrom('box_counts').selectAll().execute()
  const key = (owner: string, box: string) => `${owner}\u0000${box}`
  const actual = new Map(
    recount.map((r) => [key(r.owner, r.box), { total: Number(r.total), unread: Number(r.unread) }]),
  )
  const seen = new Set<string>()
  for (const row of kept) {
    const k = key(row.owner, row.box)
    seen.add(k)
    const real = actual.get(k) ?? { total: 0, unread: 0 }
    if (Number(row.total) !== real.total || Number(row.unread) !== real.unread) {
      out.push({
        kind: 'count_mismatch',
        details: {
          owner: row.owner,
          box: row.box,
          kept: { total: Number(row.total), unread: Number(row.unread) },
          recounted: real,
        },
      })
    }
  }
  for (const [k, real] of actual) {
    if (seen.has(k)) continue
    const [owner, box] = k.split('\u0000') as [string, string]
    out.push({ kind: 'count_mismatch', details: { owner, box, kept: null, recounted: real } })
  }
  return out
}

/** Owners with counts but no account (a query, for `verify` to join with other tables'). */
export function unknownCountOwners(db: Kysely<Database>) {
  return db
    .selectFrom('box_counts as c')
    .leftJoin('accounts as a', 'a.address', 'c.owner')
    .select('c.owner')
    .distinct()
    .where('a.address', 'is', null)
}
