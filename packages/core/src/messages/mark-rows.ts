import type { ExpressionBuilder } from 'kysely'
import type { Database } from '../db/schema.js'
import type { WriteTx } from '../engine/write-tx.js'
import type { EntryRole, Json } from '../types.js'

/** An entry a mark changed, as its UPDATE returns it. */
export interface MarkedRow {
  message_id: string
  role: string
  box: string
  version: number
}

/** The unread counts and one event per entry that a mark changed. */
export function recordMarks(
  tx: WriteTx,
  owner: string,
  read: boolean,
  rows: readonly MarkedRow[],
): void {
  for (const row of rows) {
    tx.count(owner, row.box, 0, read ? -1 : 1)
    tx.emit({
      type: read ? 'message.read' : 'message.unread',
      owner,
      messageId: row.message_id,
      role: row.role as EntryRole,
      data: { box: row.box, version: Number(row.version) },
    })
  }
}

/** One entry a whole-box mark changed, as its event lists it: the version after the change. */
export interface MarkedEntry {
  messageId: string
  role: EntryRole
  version: number
}

/**
 * A chunk of a whole-box mark: the box's unread count, and one `box.markedRead` (or
 * `box.markedUnread`) event listing the chunk's entries, in place of one event per entry.
 * `markedJson`: `marked` as JSON text, when the store already built it.
 */
export function recordBoxMark(
  tx: WriteTx,
  mark: { owner: string; box: string; read: boolean },
  marked: readonly MarkedEntry[],
  markedJson?: string,
): void {
  const count = marked.length
  tx.count(mark.owner, mark.box, 0, mark.read ? -count : count)
  const data = { box: mark.box, count, marked: marked as MarkedEntry[] as unknown as Json[] }
  tx.emit({
    type: mark.read ? 'box.markedRead' : 'box.markedUnread',
    owner: mark.owner,
    data,
    ...(markedJson !== undefined && {
      serialized: `{"box":${JSON.stringify(mark.box)},"count":${count},"marked":${markedJson}}`,
    }),
  })
}

/** What a mark sets on an entry; `seen_at` keeps the first read (the sender's receipt). */
export function markValues(read: boolean, now: number) {
  return (eb: ExpressionBuilder<Database, 'box_entries'>) => ({
    read_at: read ? now : null,
    seen_at: read ? eb.fn.coalesce('seen_at', eb.val(now)) : eb.ref('seen_at'),
    version: eb('version', '+', 1),
    updated_at: now,
  })
}
