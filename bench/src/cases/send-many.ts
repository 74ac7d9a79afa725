import { type SendManyItem, systemClock, ulidIds } from '@pigeonhole/core'
import type BetterSqlite3 from 'better-sqlite3'
import { type BenchCase, planFor } from '../lib/case.js'
import { assertSameRows, openEngine, openReference, prepareFiles } from '../lib/files.js'
import { measurePair } from '../lib/measure.js'
import { rawSendStatements } from '../lib/raw-send.js'

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
 * What a careful hand-written batch send does with better-sqlite3: one transaction; the
 * accounts of the whole batch checked with one query (`where address in (...)` over the
 * distinct addresses, as the engine does); per item, the message, its two entries and two
 * events (prepared statements); the box counts summed in memory and upserted once per box.
 */
function referenceSendMany(db: BetterSqlite3.Database) {
  // The engine's own id generator: both sides pay the same for ids.
  const ids = ulidIds(systemClock)
  const send = rawSendStatements(db)
  // One prepared account check per number of distinct addresses (a batch has one size here).
  const checks = new Map<number, BetterSqlite3.Statement>()
  const registered = (addresses: string[]) => {
    let check = checks.get(addresses.length)
    if (!check) {
      const list = addresses.map(() => '?').join(', ')
      check = db.prepare(`select address from accounts where address in (${list})`).pluck()
      checks.set(addresses.length, check)
    }
    return new Set(check.all(addresses) as string[])
  }
  const count = db.prepare(
    `insert into box_counts (owner, box, total, unread) values (?, ?, ?, ?)
     on conflict (owner, box) do update set total = box_counts.total + excluded.total,
       unread = box_counts.unread + excluded.unread`,
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
    const wanted = new Set<string>()
    for (const item of items) wanted.add(item.from!).add(item.to![0]!)
    const known = registered([...wanted])
    for (const item of items) {
      const from = item.from!
      const to = item.to![0]!
      if (!known.has(from) || !known.has(to)) throw new Error('no such account')
      const id = ids.next('msg')
      send.write(id, from, to, item.content, now)
      add(from, 'sent', 0)
      add(to, 'inbox', 1)
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
