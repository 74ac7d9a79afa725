import type { ExpressionBuilder } from 'kysely'
import type { Database } from '../db/schema.js'
import type { WriteTx } from '../engine/write-tx.js'
import type { EntryRole } from '../types.js'

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

/** What a mark sets on an entry; `seen_at` keeps the first read (the sender's receipt). */
export function markValues(read: boolean, now: number) {
  return (eb: ExpressionBuilder<Database, 'box_entries'>) => ({
    read_at: read ? now : null,
    seen_at: read ? eb.fn.coalesce('seen_at', eb.val(now)) : eb.ref('seen_at'),
    version: eb('version', '+', 1),
    updated_at: now,
  })
}
