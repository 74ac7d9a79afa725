import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { WriteTx } from '../engine/write-tx.js'
import type { EntryRole } from '../types.js'
import { requestsBox, systemSender } from './rules.js'

/** The ids of messages from `sender` (null: system messages), as a subquery. */
function messagesFrom(db: Kysely<Database>, sender: string) {
  return db
    .selectFrom('messages')
    .select('id')
    .$if(sender === systemSender, (q) => q.where('sender', 'is', null))
    .$if(sender !== systemSender, (q) => q.where('sender', '=', sender))
}

/**
 * A grant in mode `requests`: `sender`'s waiting entries go from the owner's `requests` box to
 * `inbox`, as `messages.move` would move them (version +1, `message.moved`, counts).
 */
export async function admitWaiting(tx: WriteTx, owner: string, sender: string): Promise<number> {
  const rows = await changeWaiting(tx, owner, sender, 'inbox')
  for (const row of rows) {
    const unread = row.read_at === null ? 1 : 0
    tx.count(owner, requestsBox, -1, -unread)
    tx.count(owner, 'inbox', 1, unread)
    tx.emit({
      type: 'message.moved',
      owner,
      messageId: row.message_id,
      role: row.role as EntryRole,
      data: { from: requestsBox, to: 'inbox', version: Number(row.version) },
    })
  }
  return rows.length
}

/**
 * A revoke in mode `requests`: `sender`'s waiting entries are deleted from the owner's
 * `requests` box, as `messages.delete` would (version +1, `message.deleted`, counts).
 */
export async function dropWaiting(tx: WriteTx, owner: string, sender: string): Promise<number> {
  const rows = await changeWaiting(tx, owner, sender, 'deleted')
  for (const row of rows) {
    tx.count(owner, requestsBox, -1, row.read_at === null ? -1 : 0)
    tx.emit({
      type: 'message.deleted',
      owner,
      messageId: row.message_id,
      role: row.role as EntryRole,
      data: { box: requestsBox, version: Number(row.version) },
    })
  }
  return rows.length
}

/** `sender`'s live entries in the owner's `requests` box, moved to `inbox` or deleted (version +1). */
function changeWaiting(tx: WriteTx, owner: string, sender: string, to: 'inbox' | 'deleted') {
  return tx.db
    .updateTable('box_entries')
    .set((eb) => ({
      ...(to === 'inbox' ? { box: 'inbox' } : { deleted_at: tx.now }),
      version: eb('version', '+', 1),
      updated_at: tx.now,
    }))
    .where('owner', '=', owner)
    .where('box', '=', requestsBox)
    .where('role', '=', 'received')
    .where('deleted_at', 'is', null)
    .where('message_id', 'in', messagesFrom(tx.db, sender))
    .returning(['message_id', 'role', 'read_at', 'version'])
    .execute()
}
