import { openPigeonhole } from '@pigeonhole/core'
import { sqliteStore } from '@pigeonhole/store-sqlite'
import BetterSqlite3 from 'better-sqlite3'
import { monotonicFactory } from 'ulidx'

/** Rows per multi-row INSERT: few statements, well under SQLite's parameter limit. */
const rowsPerInsert = 200

/** Creates the engine's schema in a new file: opening the engine runs its migrations. */
export async function createEngineFile(path: string): Promise<void> {
  const ph = await openPigeonhole({ store: sqliteStore({ path }) })
  await ph.close()
}

/** Options of a bulk fill: `count` messages from `from` to every one of `to`. */
export interface BulkMessages {
  from: string
  to: readonly string[]
  count: number
  /** created_at of the first message (ms); each next one is 1 ms later. */
  startAt?: number
}

/** A raw connection for bulk writes into a file the engine is not using at the moment. */
function openBulk(path: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(path)
  // Nothing to protect in a bench file being built: no fsync, no WAL growth.
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = OFF')
  db.pragma('cache_size = -262144')
  return db
}

/** A prepared INSERT of up to `rowsPerInsert` rows, and one for the remainder. */
function multiInsert(db: BetterSqlite3.Database, head: string, tuple: string, width: number) {
  const full = db.prepare(`${head} values ${Array(rowsPerInsert).fill(tuple).join(', ')}`)
  return (rows: unknown[][]) => {
    for (let i = 0; i < rows.length; i += rowsPerInsert) {
      const part = rows.slice(i, i + rowsPerInsert)
      const flat = part.flat()
      if (flat.length !== part.length * width) throw new Error('bulk fill: wrong row width')
      if (part.length === rowsPerInsert) full.run(flat)
      else db.prepare(`${head} values ${Array(part.length).fill(tuple).join(', ')}`).run(flat)
    }
  }
}

/**
 * Registers accounts the way `accounts.register` does (the account row and its
 * `account.registered` event), with raw multi-row INSERTs: 100,000 in a second or two.
 */
export function bulkAccounts(path: string, addresses: readonly string[], at = Date.now()): void {
  const db = openBulk(path)
  try {
    const accounts = multiInsert(
      db,
      'insert into accounts (address, display_name, consent, created_at, updated_at, version)',
      "(?, null, 'open', ?, ?, 1)",
      3,
    )
    const events = multiInsert(
      db,
      'insert into events (type, owner, message_id, entry_role, data, created_at)',
      '(\'account.registered\', ?, null, null, \'{"consent":"open"}\', ?)',
      2,
    )
    db.transaction(() => {
      accounts(addresses.map((a) => [a, at, at]))
      events(addresses.map((a) => [a, at]))
    })()
  } finally {
    db.close()
  }
}

/**
 * Writes `count` messages from `from` to each of `to` straight into the engine's tables: the
 * message, the sender's `sent` entry (read), one unread `inbox` entry per recipient, and the
 * box counts to match, as `messages.send` would. Not written: the send events (nothing the
 * benchmarks read depends on them, and `verify()` does not count them). Returns the message
 * ids, oldest first. The accounts must exist.
 */
export function bulkMessages(path: string, fill: BulkMessages): string[] {
  const db = openBulk(path)
  // Ids need no crypto randomness here, and crypto draws dominate the fill otherwise.
  const ulid = monotonicFactory(Math.random)
  const start = fill.startAt ?? Date.now() - fill.count
  const recipients = JSON.stringify(fill.to)
  const ids: string[] = []
  try {
    const messages = multiInsert(
      db,
      `insert into messages (id, sender, recipients, content, content_type, attachments,
         thread_id, broadcast, created_at, updated_at, version, idem_sender, idempotency_key,
         payload_hash, retracted_at)`,
      "(?, ?, ?, ?, null, '[]', null, 0, ?, ?, 1, ?, null, null, null)",
      7,
    )
    const entries = multiInsert(
      db,
      `insert into box_entries (owner, message_id, role, box, created_at, updated_at, version,
         read_at, seen_at, deleted_at)`,
      '(?, ?, ?, ?, ?, ?, 1, ?, ?, null)',
      8,
    )
    const counts = db.prepare(
      `insert into box_counts (owner, box, total, unread) values (?, ?, ?, ?)
       on conflict (owner, box) do update set total = box_counts.total + excluded.total,
         unread = box_counts.unread + excluded.unread`,
    )
    const batch = 20_000
    for (let done = 0; done < fill.count; done += batch) {
      const n = Math.min(batch, fill.count - done)
      const messageRows: unknown[][] = []
      const entryRows: unknown[][] = []
      for (let i = done; i < done + n; i++) {
        const at = start + i
        const id = `msg_${ulid(at)}`
        ids.push(id)
        const content = JSON.stringify({
          subject: `Message ${i}`,
          text: 'Some text of a usual length, '.repeat(4),
        })
        messageRows.push([id, fill.from, recipients, content, at, at, fill.from])
        entryRows.push([fill.from, id, 'sent', 'sent', at, at, at, at])
        for (const owner of fill.to) {
          entryRows.push([owner, id, 'received', 'inbox', at, at, null, null])
        }
      }
      db.transaction(() => {
        messages(messageRows)
        entries(entryRows)
      })()
    }
    db.transaction(() => {
      counts.run(fill.from, 'sent', fill.count, 0)
      for (const owner of fill.to) counts.run(owner, 'inbox', fill.count, fill.count)
    })()
    db.pragma('wal_checkpoint(TRUNCATE)')
    return ids
  } finally {
    db.close()
  }
}
