import { type SendManyItem, systemClock, ulidIds } from '@pigeonhole/core'
import type BetterSqlite3 from 'better-sqlite3'
import { type BenchCase, planFor } from '../lib/case.js'
import { assertSameRows, openEngine, openReference, prepareFiles } from '../lib/files.js'
import { measurePair } from '../lib/measure.js'

const batchSize = 1000
const users = Array.from({ length: 100 }, (_, i) => `user${i}`)

/** Item i: user i to user i+1 (a ring of 100 accounts), so 100 senders and 100 recipients. */
function batch(n: number): SendManyItem[] {
  return Array.from({ length: batchSize }, (_, i) => ({
    identifier: String(i),
    from: users[i % users.length]!,
    to: [users[(i + 1) % users.length]!],
    content: { subject: 'Hi', text: `Batch ${n}, item ${i}` },
  }))
}

/**
 * What a careful hand-written batch send does with better-sqlite3: one transaction; per item,
 * check both accounts exist and insert the message, its two entries and two events (prepared
 * statements); the box counts summed in memory and upserted once per box.
 */
function referenceSendMany(db: BetterSqlite3.Database) {
  // The engine's own id generator: both sides pay the same for ids.
  const ids = ulidIds(systemClock)
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
  const count = db.prepare(
    `insert into box_counts (owner, box, total, unread) values (?, ?, ?, ?)
     on conflict (owner, box) do update set total = box_counts.total + excluded.total,
       unread = box_counts.unread + excluded.unread`,
  )
  const events = db.prepare(
    `insert into events (type, owner, message_id, entry_role, data, created_at)
     values ('message.sent', ?, ?, 'sent', ?, ?), ('message.received', ?, ?, 'received', ?, ?)`,
  )
  return db.transaction((items: readonly SendManyItem[]) => {
    const now = Date.now()
    const deltas = new Map<string, { owner: string; box: string; total: number; unread: number }>()
    const add = (owner: string, box: string, unread: number) => {
      const key = `${owner}\u0000${box}`
      const d = deltas.get(key) ?? { owner, box, total: 0, unread: 0 }
      d.total += 1
      d.unread += unread
      deltas.set(key, d)
    }
    for (const item of items) {
      const from = item.from!
      const to = item.to![0]!
      if (accounts.all(from, to).length !== 2) throw new Error('no such account')
      const id = ids.next('msg')
      message.run(id, from, JSON.stringify([to]), JSON.stringify(item.content), now, now, from)
      entries.run(from, id, now, now, now, now, to, id, now, now)
      add(from, 'sent', 0)
      add(to, 'inbox', 1)
      const sent = JSON.stringify({ role: 'sent', to: [to] })
      const received = JSON.stringify({ role: 'received', from })
      events.run(from, id, sent, now, to, id, received, now)
    }
    const sorted = [...deltas.values()].sort((a, b) =>
      a.owner === b.owner ? (a.box < b.box ? -1 : 1) : a.owner < b.owner ? -1 : 1,
    )
    for (const d of sorted) count.run(d.owner, d.box, d.total, d.unread)
    return items.length
  })
}

export const sendManyCase: BenchCase = {
  name: 'send-many',
  summary: `sendMany of ${batchSize} one-to-one items among 100 accounts, in one transaction`,
  async run(env) {
    const files = await prepareFiles(env.dir, 'send-many', async (ph) => {
      for (const address of users) await ph.accounts.register({ address })
    })
    const ph = await openEngine(files.engine)
    const db = openReference(files.reference)
    const send = referenceSendMany(db)
    let n = 0
    try {
      const result = await measurePair(
        async () => {
          const r = await ph.messages.sendMany(batch(n++))
          if (r.created !== batchSize) throw new Error(`send-many: ${r.failed} items failed`)
        },
        () => send(batch(n++)),
        planFor(
          env,
          { warmupOps: 1, samples: 3, opsPerSample: 1 },
          { warmupOps: 5, samples: 15, opsPerSample: 2 },
        ),
      )
      await ph.close()
      db.close()
      assertSameRows(files)
      return [{ case: 'send-many', measure: `sendMany of ${batchSize} items`, ...result }]
    } finally {
      await ph.close()
      if (db.open) db.close()
    }
  },
}
