import { rm } from 'node:fs/promises'
import type BetterSqlite3 from 'better-sqlite3'
import { type BenchCase, type BenchRow, planFor } from '../lib/case.js'
import { openEngine, openReference } from '../lib/files.js'
import { growthLine } from '../lib/growth.js'
import { buildInbox, shortSize } from '../lib/inbox-files.js'
import { measurePair, type Stats } from '../lib/measure.js'

/**
 * A hand-written `boxes.counts`: the owner exists, then the kept totals of the owner's boxes;
 * inbox and sent always listed, custom boxes after them by name.
 */
function rawCounts(db: BetterSqlite3.Database) {
  const owner = db.prepare('select address from accounts where address = ?').pluck()
  const counts = db.prepare('select box, total, unread from box_counts where owner = ?')
  return (who: string) => {
    if (owner.get(who) === undefined) throw new Error(`no account ${who}`)
    const rows = counts.all(who) as { box: string; total: number; unread: number }[]
    const out: Record<string, { total: number; unread: number }> = {
      inbox: { total: 0, unread: 0 },
      sent: { total: 0, unread: 0 },
    }
    for (const r of rows.sort((a, b) => (a.box < b.box ? -1 : 1))) {
      out[r.box] = { total: r.total, unread: r.unread }
    }
    return out
  }
}

export const countsScaleCase: BenchCase = {
  name: 'counts-scale',
  summary: 'boxes.counts of an owner whose inbox holds 1k to 1M messages',
  async run(env) {
    const sizes = env.quick ? [1000, 10_000] : [1000, 10_000, 100_000, 1_000_000]
    const plan = planFor(
      env,
      { warmupOps: 50, samples: 3, opsPerSample: 100 },
      { warmupOps: 1000, samples: 15, opsPerSample: 1000 },
    )
    const rows: BenchRow[] = []
    const bySize = new Map<number, { engine: Stats; reference: Stats }>()
    for (const size of sizes) {
      const path = await buildInbox(env.dir, size, env.log)
      const ph = await openEngine(path)
      const db = openReference(path)
      const counts = rawCounts(db)
      try {
        const a = JSON.stringify(await ph.boxes.counts('bob'))
        const b = JSON.stringify(counts('bob'))
        if (a !== b) throw new Error(`counts-scale: engine ${a}, reference ${b}`)
        const pair = await measurePair(
          () => ph.boxes.counts('bob'),
          () => counts('bob'),
          plan,
        )
        bySize.set(size, pair)
        rows.push({
          case: 'counts-scale',
          measure: `boxes.counts, inbox of ${shortSize(size)}`,
          ...pair,
        })
      } finally {
        await ph.close()
        db.close()
        for (const suffix of ['', '-wal', '-shm']) await rm(`${path}${suffix}`, { force: true })
      }
    }
    env.log(growthLine(env, 'boxes.counts', bySize))
    return rows
  },
}
