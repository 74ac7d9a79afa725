import { type ExpressionBuilder, type Kysely, type SelectQueryBuilder, sql } from 'kysely'
import type { Dialect } from '../db/dialect.js'
import type { Database } from '../db/schema.js'
import { remoteReads } from '../delivery/reads.js'
import type { EngineContext } from '../engine/context.js'
import { lockRows } from '../engine/row-locks.js'
import type { WriteTx } from '../engine/write-tx.js'
import { yieldToEventLoop } from '../util/yield.js'
import { markValues, recordMarks } from './mark-rows.js'

/** An entry's place in its box: the order of the box_entries_live and _unread indexes. */
export interface BoxKey {
  created_at: number
  message_id: string
  role: string
}

/** Which entries a whole-box mark changes: the owner's live ones in `box` not yet `read` (or unread). */
export interface BoxMark {
  owner: string
  box: string
  read: boolean
}

/** A stretch of the box, in key order: after `after` (from the start without it), up to `upTo`. */
export interface KeyRange {
  after?: BoxKey | undefined
  upTo: BoxKey
}

/**
 * Marks a whole box read or unread, and returns how many entries changed. It walks the box
 * once by a keyset cursor, up to the last entry there at its start, in chunks of
 * `limits.markChunkSize`, each its own short transaction. So it ends after a bounded amount of
 * work whatever runs meanwhile (a concurrent opposite mark cannot keep it going), and entries
 * marked by id meanwhile neither end it early nor hide the ones after them. Each chunk locks
 * the entries it takes (`rowLocks`), then changes exactly those. Between chunks it lets the
 * event loop run: a synchronous store would otherwise hold it for the whole box.
 */
export async function markBox(ctx: EngineContext, mark: BoxMark, where: string): Promise<number> {
  const last = await lastKeyQuery(ctx.db, mark).executeTakeFirst()
  if (!last) return 0
  let after: BoxKey | undefined
  let changed = 0
  for (;;) {
    const range = { after, upTo: last }
    const step = await ctx.write((tx) => markChunk(ctx, tx, mark, range), where)
    changed += step.changed
    if (!step.end || !step.full || sameKey(step.end, last)) return changed
    after = step.end
    await yieldToEventLoop()
  }
}

/** One chunk, in the caller's transaction: what changed, and the key the next one starts after. */
async function markChunk(ctx: EngineContext, tx: WriteTx, mark: BoxMark, range: KeyRange) {
  const { dialect } = ctx.store
  const size = ctx.limits.markChunkSize
  const chunk = await lockRows(
    chunkQuery(tx.db, dialect, mark, range, size),
    ctx,
    'update',
  ).execute()
  const ids = chunk.map((r) => r.row_id)
  const rows =
    ids.length === 0 ? [] : await markRowsQuery(tx.db, dialect, mark, ids, tx.now).execute()
  recordMarks(tx, mark.owner, mark.read, rows)
  if (mark.read && ctx.delivery && rows.length > 0) await remoteReads(ctx, tx, mark.owner, rows)
  return { changed: rows.length, end: chunk[chunk.length - 1], full: chunk.length === size }
}

// Why the statements below look the way they do (PostgreSQL, with or without statistics):
// - `box` is bounded by ranges, never `box = ?`: an equality makes the order on the box
//   redundant, and the planner may then walk `box_entries_owner_live` (every box of the owner)
//   instead of the owner/box index. Ordered by (box, created_at, message_id, role) after
//   `owner = ?`, only box_entries_live / box_entries_unread give the order.
// - The UPDATE names the chunk's rows by row id (ctid, rowid), with nothing else in its WHERE:
//   a key range there would not stop at its upper end (PostgreSQL 15 checks a row
//   comparison's later columns as a filter), and any other condition lets the planner pick a
//   scan of a whole index. The rows were locked by the select (`rowLocks`) or nothing else
//   writes meanwhile (one writer), so they are still as the select saw them.

const keyColumns = ['created_at', 'message_id', 'role'] as const

/** The box's last live entry at the start: where the walk ends. */
export function lastKeyQuery(db: Kysely<Database>, mark: BoxMark) {
  return db
    .selectFrom('box_entries')
    .select(keyColumns)
    .where('owner', '=', mark.owner)
    .where('box', '>=', mark.box)
    .where('box', '<=', mark.box)
    .where('deleted_at', 'is', null)
    .orderBy('box', 'desc')
    .orderBy('created_at', 'desc')
    .orderBy('message_id', 'desc')
    .orderBy('role', 'desc')
    .limit(1)
}

/** The next `size` entries to change in the range, in key order, with their row ids (to lock). */
export function chunkQuery(
  db: Kysely<Database>,
  dialect: Dialect,
  mark: BoxMark,
  range: KeyRange,
  size: number,
) {
  return inOrder(
    db
      .selectFrom('box_entries')
      .select([sql<string | number>`${rowId(dialect)}`.as('row_id'), ...keyColumns])
      .where(toChange(mark, range)),
  ).limit(size)
}

/** Marks these rows (row ids from `chunkQuery`, in the same transaction). */
export function markRowsQuery(
  db: Kysely<Database>,
  dialect: Dialect,
  mark: BoxMark,
  rowIds: readonly (string | number)[],
  now: number,
) {
  const ids = [...rowIds]
  return db
    .updateTable('box_entries')
    .set(markValues(mark.read, now))
    .where(
      dialect === 'postgres'
        ? // Through a subquery: a list of known length may make the planner prefer a Seq Scan.
          sql<boolean>`ctid = any(array(select unnest(${ids}::tid[])))`
        : sql<boolean>`rowid in (select value from json_each(${JSON.stringify(ids)}))`,
    )
    .returning(['message_id', 'role', 'box', 'version'])
}

function rowId(dialect: Dialect) {
  return sql.raw(dialect === 'postgres' ? 'ctid' : 'rowid')
}

/** Key order within the owner: the columns of the owner/box indexes after `owner`. */
function inOrder<Q extends SelectQueryBuilder<Database, 'box_entries', object>>(query: Q): Q {
  return query.orderBy('box').orderBy('created_at').orderBy('message_id').orderBy('role') as Q
}

/** The owner's live entries of the box in the range that are not yet in the asked state. */
function toChange(mark: BoxMark, range: KeyRange) {
  return (eb: ExpressionBuilder<Database, 'box_entries'>) => {
    const key = eb.refTuple('box', ...keyColumns)
    const tuple = (k: BoxKey) => eb.tuple(mark.box, k.created_at, k.message_id, k.role)
    return eb.and([
      eb('owner', '=', mark.owner),
      range.after ? eb(key, '>', tuple(range.after)) : eb('box', '>=', mark.box),
      eb('box', '<=', mark.box),
      eb(key, '<=', tuple(range.upTo)),
      eb('deleted_at', 'is', null),
      eb('read_at', mark.read ? 'is' : 'is not', null),
    ])
  }
}

function sameKey(a: BoxKey, b: BoxKey): boolean {
  return (
    Number(a.created_at) === Number(b.created_at) &&
    a.message_id === b.message_id &&
    a.role === b.role
  )
}
