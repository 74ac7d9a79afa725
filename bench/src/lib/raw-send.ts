import type BetterSqlite3 from 'better-sqlite3'

/**
 * The statements of a hand-written one-to-one send with better-sqlite3 (the rows the engine
 * writes): check both accounts, insert the message, its two entries and its two events.
 * `write` runs them for one message; the caller upserts the box counts its own way.
 */
export function rawSendStatements(db: BetterSqlite3.Database) {
  const accounts = db.prepare('select address from accounts where address in (?, ?)').pluck()
  const message = db.prepare(
    `insert into messages (id, sender, recipients, content, content_type, attachments, thread_id,
       broadcast, created_at, updated_at, version, idem_sender, idempotency_key, payload_hash,
       retracted_at)
     values (?, ?, ?, ?, null, '[]', null, 0, ?, ?, 1, ?, null, null, null)`,
  )
  const entries = db.prepare(
    `insert into box_entries (owner, message_id, role, box, created_at, updated_at, version,
       read_at, seen_at, deleted_at)
     values (?, ?, 'sent', 'sent', ?, ?, 1, ?, ?, null),
            (?, ?, 'received', 'inbox', ?, ?, 1, null, null, null)`,
  )
  const events = db.prepare(
    `insert into events (type, owner, message_id, entry_role, data, created_at)
     values ('message.sent', ?, ?, 'sent', ?, ?), ('message.received', ?, ?, 'received', ?, ?)`,
  )
  return {
    /** Throws unless both accounts exist (one, when sending to oneself). */
    check(from: string, to: string): void {
      if (accounts.all(from, to).length !== (from === to ? 1 : 2))
        throw new Error('no such account')
    },
    /** Inserts the message, its entries and its events. */
    write(id: string, from: string, to: string, content: unknown, now: number): void {
      message.run(id, from, JSON.stringify([to]), JSON.stringify(content), now, now, from)
      entries.run(from, id, now, now, now, now, to, id, now, now)
      const sent = JSON.stringify({ role: 'sent', to: [to] })
      const received = JSON.stringify({ role: 'received', from })
      events.run(from, id, sent, now, to, id, received, now)
    },
  }
}
