import { copyFile } from 'node:fs/promises'
import { join } from 'node:path'
import { systemClock, ulidIds } from '@pigeonhole/core'
import type BetterSqlite3 from 'better-sqlite3'
import { bulkAccounts, createEngineFile } from '../lib/bulk-fill.js'
import { type BenchCase, type BenchRow, planFor } from '../lib/case.js'
import { assertSameRows, openEngine, openReference } from '../lib/files.js'
import { shortSize } from '../lib/inbox-files.js'
import { measurePair } from '../lib/measure.js'

/** The project's target: a broadcast to 100,000 accounts in under 2 s on this machine. */
const targetMs = 2000
const targetSize = 100_000
const content = { subject: 'Maintenance tonight', text: 'The service will be down 22:00-23:00.' }

/**
 * A broadcast by hand with better-sqlite3, in one transaction, the statements the engine runs:
 * the message; one inbox entry per account that has not denied the system sender
 * (`insert into box_entries ... select ... from accounts where not exists (... consents ...)`,
 * the built-in consent step's condition); the inbox counts from the entries just written
 * (`insert into box_counts ... select ... from box_entries where message_id = ? on conflict
 * ... do update`); one `message.broadcast` event.
 */
function referenceBroadcast(db: BetterSqlite3.Database) {
  const ids = ulidIds(systemClock)
  const message = db.prepare(
    `insert into messages (id, sender, recipients, content, content_type, attachments, thread_id,
       broadcast, created_at, updated_at, version, idem_sender, idempotency_key, payload_hash,
       retracted_at)
     values (?, null, '[]', ?, null, '[]', null, 1, ?, ?, 1, '', null, null, null)`,
  )
  const entries = db.prepare(
    `insert into box_entries (owner, message_id, role, box, created_at, updated_at, version,
       read_at, seen_at, deleted_at)
     select address, ?, 'received', 'inbox', ?, ?, 1, null, null, null from accounts
     where not exists (select 1 from consents where consents.owner = accounts.address
       and consents.sender = 'system' and consents.state = 'denied')`,
  )
  const counts = db.prepare(
    `insert into box_counts (owner, box, total, unread)
     select owner, 'inbox', 1, 1 from box_entries where message_id = ?
     on conflict (owner, box) do update set total = box_counts.total + excluded.total,
       unread = box_counts.unread + excluded.unread`,
  )
  const event = db.prepare(
    `insert into events (type, owner, message_id, entry_role, data, created_at)
     values ('message.broadcast', null, ?, null, ?, ?)`,
  )
  return db.transaction((body: object) => {
    const now = Date.now()
    const id = ids.next('msg')
    message.run(id, JSON.stringify(body), now, now)
    const recipients = entries.run(id, now, now).changes
    counts.run(id)
    event.run(id, JSON.stringify({ recipients }), now)
    return recipients
  })
}

/** Engine and reference files with `size` accounts, registered by raw INSERTs. */
async function files(dir: string, size: number) {
  const engine = join(dir, `broadcast-${size}-engine.db`)
  const reference = join(dir, `broadcast-${size}-raw.db`)
  await createEngineFile(engine)
  bulkAccounts(
    engine,
    Array.from({ length: size }, (_, i) => `user${String(i).padStart(6, '0')}`),
  )
  await copyFile(engine, reference)
  return { engine, reference }
}

export const broadcastCase: BenchCase = {
  name: 'broadcast',
  summary: 'a system message to every account: 10,000 and 100,000 accounts (target: 100k < 2 s)',
  async run(env) {
    const sizes = env.quick ? [1000, 10_000] : [10_000, targetSize]
    const rows: BenchRow[] = []
    for (const size of sizes) {
      const paths = await files(env.dir, size)
      const ph = await openEngine(paths.engine)
      const db = openReference(paths.reference)
      const broadcast = referenceBroadcast(db)
      try {
        const large = size >= targetSize
        const result = await measurePair(
          () => ph.messages.broadcast({ content }),
          () => broadcast(content),
          planFor(
            env,
            { warmupOps: 1, samples: 3, opsPerSample: 1 },
            large
              ? { warmupOps: 1, samples: 7, opsPerSample: 1 }
              : { warmupOps: 3, samples: 15, opsPerSample: 1 },
          ),
        )
        rows.push({ case: 'broadcast', measure: `to ${shortSize(size)} accounts`, ...result })
        if (size === targetSize) {
          const ms = result.engine.medianNs / 1e6
          const verdict = ms < targetMs ? 'met' : 'NOT met'
          env.log(`broadcast to 100k: ${ms.toFixed(0)} ms (target < ${targetMs} ms: ${verdict})`)
        }
        if (size <= 10_000) {
          const differences = await ph.verify()
          if (differences.length > 0) {
            throw new Error(`broadcast: verify() found ${JSON.stringify(differences[0])}`)
          }
        }
        await ph.close()
        db.close()
        assertSameRows(paths)
      } finally {
        await ph.close()
        if (db.open) db.close()
      }
    }
    return rows
  },
}
