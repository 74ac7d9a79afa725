import { type ExpressionBuilder, type Kysely, type SelectQueryBuilder, sql } from 'kysely'
import type { Dialect } from '../db/dialect.js'
import type { Database } from '../db/schema.js'
import { remoteReads } from '../delivery/reads.js'
import type { EngineContext } from '../engine/context.js'
import { lockRows } from '../engine/row-locks.js'
import type { WriteTx } from '../engine/write-tx.js'
import type { EntryRole } from '../types.js'
import { yieldToEventLoop } from '../util/yield.js'
import { type MarkedEntry, markValues, recordBoxMark } from './mark-rows.js'

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
  const chunk =
    dialect === 'sqlite'
      ? await sqliteChunk(tx.db, mark, range, size)
      : await lockedChunk(ctx, tx.db, mark, range, size)
  if (!chunk) return { changed: 0, end: undefined, full: false }
  const updated = await markRowsQuery(tx.db, dialect, mark, chunk.rowIds, tx.now).executeTakeFirst()
  // The rows were locked by the select, or nothing else writes meanwhile (one writer).
  if (Number(updated.numUpdatedRows) !== chunk.marked.length) {
    throw new Error(
      `markBox: ${chunk.marked.length} entries taken but ${updated.numUpdatedRows} changed`,
    )
  }
  recordBoxMark(tx, mark, chunk.marked, chunk.markedJson)
  if (mark.read && ctx.delivery) {
    const rows = chunk.marked.map((e) => ({ message_id: e.messageId, role: e.role }))
    await remoteReads(ctx, tx, mark.owner, rows)
  }
  return { changed: chunk.marked.length, end: chunk.end, full: chunk.marked.length === size }
}

/** The entries one chunk takes, as its event lists them; the row ids to update; its last key. */
interface Chunk {
  rowIds: RowIds
  marked: MarkedEntry[]
  /** `marked` as JSON text, when the store built it (saves serializing it again). */
  markedJson?: string
  end: BoxKey
}

/**
 * SQLite (one writer, no locks): one row back, the chunk's row ids and its event entries
 * built as JSON by SQLite itself. A thousand rows turned into JavaScript objects and back
 * into JSON cost more than the UPDATE of them (measured: bench/README.md, issue 16).
 */
async function sqliteChunk(
  db: Kysely<Database>,
  mark: BoxMark,
  range: KeyRange,
  size: number,
): Promise<Chunk | undefined> {
  const order = sql`order by c.created_at, c.message_id, c.role`
  const row = await db
    .selectFrom(chunkQuery(db, 'sqlite', mark, range, size).as('c'))
    .select([
      sql<string>`json_group_array(c.row_id)`.as('ids'),
      sql<string>`json_group_array(json_object('messageId', c.message_id, 'role', c.role,
        'version', c.version + 1) ${order})`.as('marked'),
      sql<number | null>`max(c.created_at)`.as('top'),
    ])
    .executeTakeFirstOrThrow()
  if (row.top === null) return undefined
  const marked = JSON.parse(row.marked) as MarkedEntry[]
  const last = marked[marked.length - 1]!
  // In key order (the box is fixed): the last entry has the largest created_at.
  const end = { created_at: Number(row.top), message_id: last.messageId, role: last.role }
  return { rowIds: row.ids, marked, markedJson: row.marked, end }
}

/** PostgreSQL: the chunk's rows, locked (`rowLocks`), in key order. */
async function lockedChunk(
  ctx: EngineContext,
  db: Kysely<Database>,
  mark: BoxMark,
  range: KeyRange,
  size: number,
): Promise<Chunk | undefined> {
  const query = chunkQuery(db, ctx.store.dialect, mark, range, size)
  const rows = await lockRows(query, ctx, 'update').execute()
  const last = rows[rows.length - 1]
  if (!last) return undefined
  return {
    rowIds: rows.map((r) => r.row_id),
    marked: rows.map((r) => ({
      messageId: r.message_id,
      role: r.role as EntryRole,
      version: Number(r.version) + 1,
    })),
    end: last,
  }
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
      .select([sql<string | number>`${rowId(dialect)}`.as('row_id'), ...keyColumns, 'version'])
      .where(toChange(mark, range)),
  ).limit(size)
}

/** Row ids from `chunkQuery`: a list, or (SQLite) a JSON array of them. */
export type RowIds = string | readonly (string | number)[]

/** Marks these rows (row ids from `chunkQuery`, in the same transaction). */
export function markRowsQuery(
  db: Kysely<Database>,
  dialect: Dialect,
  mark: BoxMark,
  rowIds: RowIds,
  now: number,
) {
  const ids = typeof rowIds === 'string' ? rowIds : [...rowIds]
  const json = typeof ids === 'string' ? ids : JSON.stringify(ids)
  return db
    .updateTable('box_entries')
    .set(markValues(mark.read, now))
    .where(
      dialect === 'postgres'
        ? // Through a subquery: a list of known length may make the planner prefer a Seq Scan.
          sql<boolean>`ctid = any(array(select unnest(${ids}::tid[])))`
        : sql<boolean>`rowid in (select value from json_each(${json}))`,
    )
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
