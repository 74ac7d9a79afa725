import type { Pigeonhole } from '@pigeonhole/core'
import { type BenchCase, type BenchRow, planFor } from '../lib/case.js'
import { openEngine, openReference, prepareFiles } from '../lib/files.js'
import { measurePair } from '../lib/measure.js'
import { middlePage, rawPager } from '../lib/raw-page.js'

const pageSize = 50

/** Bob's inbox of `size` messages from alice, sent 1000 at a time. */
async function fill(ph: Pigeonhole, size: number): Promise<void> {
  await ph.accounts.register({ address: 'alice' })
  await ph.accounts.register({ address: 'bob' })
  for (let sent = 0; sent < size; sent += 1000) {
    const batch = Array.from({ length: Math.min(1000, size - sent) }, (_, i) => ({
      identifier: String(sent + i),
      from: 'alice',
      to: ['bob'],
      content: { subject: `Message ${sent + i}`, text: 'Some text of a usual length, '.repeat(4) },
    }))
    await ph.messages.sendMany(batch)
  }
}

export const pageCase: BenchCase = {
  name: 'page',
  summary: `an inbox page of ${pageSize}, newest first, with the message content, from a box of N`,
  async run(env) {
    const size = env.quick ? 1000 : 100_000
    env.log(`page: filling an inbox of ${size} messages`)
    const files = await prepareFiles(env.dir, 'page', (ph) => fill(ph, size))
    const ph = await openEngine(files.engine)
    const db = openReference(files.reference)
    // The same reads as `messages.list`, by hand (shared with page-scale).
    const page = rawPager(db, pageSize)
    const plan = planFor(
      env,
      { warmupOps: 50, samples: 3, opsPerSample: 100 },
      { warmupOps: 500, samples: 15, opsPerSample: 500 },
    )
    try {
      // Both must return the same page, or the comparison means nothing.
      const a = (await ph.messages.list({ owner: 'bob', box: 'inbox', limit: pageSize })).items
      const b = page('bob', 'inbox').items
      if (a.map((i) => i.message.id).join() !== b.map((i) => i.message_id).join()) {
        throw new Error('page: the reference returned another page than the engine')
      }
      const rows: BenchRow[] = []
      const first = await measurePair(
        () => ph.messages.list({ owner: 'bob', box: 'inbox', limit: pageSize }),
        () => page('bob', 'inbox'),
        plan,
      )
      rows.push({ case: 'page', measure: `first page of ${pageSize}, box of ${size}`, ...first })
      const { cursor, key } = await middlePage(ph, size, pageSize)
      const mid = await measurePair(
        () => ph.messages.list({ owner: 'bob', box: 'inbox', limit: pageSize, cursor }),
        () => page('bob', 'inbox', key),
        plan,
      )
      rows.push({ case: 'page', measure: `middle page (cursor), box of ${size}`, ...mid })
      return rows
    } finally {
      await ph.close()
      db.close()
    }
  },
}
