import type { ExpressionBuilder, Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { EngineContext } from '../engine/context.js'
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
 * marked by id meanwhile neither end it early nor hide the ones after them. Between chunks it
 * lets the event loop run: a synchronous store would otherwise hold it for the whole box.
 */
export async function markBox(ctx: EngineContext, mark: BoxMark): Promise<number> {
  const last = await lastKeyQuery(ctx.db, mark).executeTakeFirst()
  if (!last) return 0
  const size = ctx.limits.markChunkSize
  let after: BoxKey | undefined
  let changed = 0
  for (;;) {
    const from = after
    const step = await ctx.write(async (tx) => {
      const end = await chunkEndQuery(
        tx.db,
        mark,
        { after: from, upTo: last },
        size,
      ).executeTakeFirst()
      const upTo = end ?? last
      const rows = await markRangeQuery(tx.db, mark, { after: from, upTo }, tx.now).execute()
      recordMarks(tx, mark.owner, mark.read, rows)
      return { changed: rows.length, upTo, done: !end || sameKey(end, last) }
    })
    changed += step.changed
    if (step.done) return changed
    after = step.upTo
    await yieldToEventLoop()
  }
}

const keyColumns = ['created_at', 'message_id', 'role'] as const

/** The box's last live entry at the start: where the walk ends. */
export function lastKeyQuery(db: Kysely<Database>, mark: BoxMark) {
  return db
    .selectFrom('box_entries')
    .select(keyColumns)
    .where('owner', '=', mark.owner)
    .where('box', '=', mark.box)
    .where('deleted_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('message_id', 'desc')
    .orderBy('role', 'desc')
    .limit(1)
}

/** The `size`-th entry to change in the range: the end of this chunk (none: the range's end). */
export function chunkEndQuery(db: Kysely<Database>, mark: BoxMark, range: KeyRange, size: number) {
  return db
    .selectFrom('box_entries')
    .select(keyColumns)
    .where(toChange(mark, range))
    .orderBy('created_at')
    .orderBy('message_id')
    .orderBy('role')
    .limit(1)
    .offset(size - 1)
}

/** Marks the entries to change in the range: an index range scan, never a rerun subquery. */
export function markRangeQuery(db: Kysely<Database>, mark: BoxMark, range: KeyRange, now: number) {
  return db
    .updateTable('box_entries')
    .set(markValues(mark.read, now))
    .where(toChange(mark, range))
    .returning(['message_id', 'role', 'box', 'version'])
}

/** Owner and box equal, then a key range: the leading columns of the indexes. */
function toChange(mark: BoxMark, range: KeyRange) {
  return (eb: ExpressionBuilder<Database, 'box_entries'>) => {
    const key = eb.refTuple(...keyColumns)
    const tuple = (k: BoxKey) => eb.tuple(k.created_at, k.message_id, k.role)
    return eb.and([
      eb('owner', '=', mark.owner),
      eb('box', '=', mark.box),
      eb('deleted_at', 'is', null),
      eb('read_at', mark.read ? 'is' : 'is not', null),
      ...(range.after ? [eb(key, '>', tuple(range.after))] : []),
      eb(key, '<=', tuple(range.upTo)),
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
