import { systemClock, ulidIds } from '@pigeonhole/core'
import type BetterSqlite3 from 'better-sqlite3'
import { type BenchCase, planFor } from '../lib/case.js'
import { assertSameRows, openEngine, openReference, prepareFiles } from '../lib/files.js'
import { measurePair } from '../lib/measure.js'
import { rawSendStatements } from '../lib/raw-send.js'

/**
 * What a careful hand-written send does with better-sqlite3: the same reads (both accounts
 * exist) and the same rows (message, two box entries, two count upserts, two events) in one
 * transaction, with prepared statements.
 */
export function referenceSend(
  db: BetterSqlite3.Database,
  /** Runs first in the transaction (`send-policy`: the policy's read). */
  before?: (from: string) => void,
): (from: string, to: string, content: object) => string {
  // The engine's own id generator: both pay the same for ids, the ratio shows the rest.
  const ids = ulidIds(systemClock)
  const send = rawSendStatements(db)
  const counts = db.prepare(
    `insert into box_counts (owner, box, total, unread) values (?, 'sent', 1, 0), (?, 'inbox', 1, 1)
     on conflict (owner, box) do update set total = box_counts.total + excluded.total,
       unread = box_counts.unread + excluded.unread`,
  )
  return db.transaction((from: string, to: string, content: object) => {
    const now = Date.now()
    before?.(from)
    send.check(from, to)
    const id = ids.next('msg')
    send.write(id, from, to, content, now)
    counts.run(from, to)
    return id
  })
}

export const sendCase: BenchCase = {
  name: 'send',
  summary: 'one-to-one send (alice to bob): per operation, in one transaction each',
  async run(env) {
    const files = await prepareFiles(env.dir, 'send', async (ph) => {
      await ph.accounts.register({ address: 'alice' })
      await ph.accounts.register({ address: 'bob' })
    })
    const ph = await openEngine(files.engine)
    const db = openReference(files.reference)
    const send = referenceSend(db)
    let n = 0
    try {
      const result = await measurePair(
        () =>
          ph.messages.send({
            from: 'alice',
            to: ['bob'],
            content: { subject: 'Hi', text: `Hello Bob #${n++}` },
          }),
        () => send('alice', 'bob', { subject: 'Hi', text: `Hello Bob #${n++}` }),
        planFor(
          env,
          { warmupOps: 200, samples: 3, opsPerSample: 300 },
          { warmupOps: 2000, samples: 15, opsPerSample: 1000 },
        ),
      )
      await ph.close()
      db.close()
      assertSameRows(files)
      return [{ case: 'send', measure: 'one-to-one send', ...result }]
    } finally {
      await ph.close()
      if (db.open) db.close()
    }
  },
}
