import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BenchCase, type BenchRow, planFor } from '../lib/case.js'
import { openEngine, openReference } from '../lib/files.js'
import { growthLine } from '../lib/growth.js'
import { buildInbox, shortSize } from '../lib/inbox-files.js'
import { measurePair, type Stats } from '../lib/measure.js'
import { middlePage, rawPager } from '../lib/raw-page.js'
import { lineChartSvg } from '../lib/svg-chart.js'
import { machineLine } from '../lib/table.js'

const pageSize = 50
const chartFile = fileURLToPath(new URL('../../page-latency.svg', import.meta.url))

type Pair = { engine: Stats; reference: Stats }

function ids(items: readonly { message: { id: string } }[]): string {
  return items.map((i) => i.message.id).join()
}

/** Page latency against inbox size: engine solid, reference dashed; log-scale x. */
function chart(first: Map<number, Pair>, mid: Map<number, Pair>): string {
  const points = (m: Map<number, Pair>, side: keyof Pair) =>
    [...m].map(([x, p]) => ({ x, y: p[side].medianNs / 1000 }))
  return lineChartSvg({
    title: `Inbox page of ${pageSize} (SQLite): latency against inbox size`,
    subtitle: `median of samples · ${machineLine()}`,
    xLabel: 'messages in the inbox (log scale)',
    yLabel: 'µs per page (median)',
    xTicks: [...first.keys()].map((value) => ({ value, label: shortSize(value) })),
    series: [
      { name: 'engine, first page', color: '#1f77b4', points: points(first, 'engine') },
      {
        name: 'raw, first page',
        color: '#1f77b4',
        dashed: true,
        points: points(first, 'reference'),
      },
      { name: 'engine, middle page', color: '#d62728', points: points(mid, 'engine') },
      {
        name: 'raw, middle page',
        color: '#d62728',
        dashed: true,
        points: points(mid, 'reference'),
      },
    ],
  })
}

export const pageScaleCase: BenchCase = {
  name: 'page-scale',
  summary: `an inbox page of ${pageSize} (first, and middle by cursor) at inbox sizes 1k to 1M; draws page-latency.svg`,
  async run(env) {
    const sizes = env.quick ? [1000, 10_000] : [1000, 10_000, 100_000, 1_000_000]
    const plan = planFor(
      env,
      { warmupOps: 20, samples: 3, opsPerSample: 30 },
      { warmupOps: 200, samples: 15, opsPerSample: 200 },
    )
    const rows: BenchRow[] = []
    const first = new Map<number, Pair>()
    const mid = new Map<number, Pair>()
    for (const size of sizes) {
      const path = await buildInbox(env.dir, size, env.log)
      // Reads only: the engine and the reference share the file (and the OS cache).
      const ph = await openEngine(path)
      const db = openReference(path)
      const page = rawPager(db, pageSize)
      const list = { owner: 'bob', box: 'inbox', limit: pageSize }
      try {
        const { cursor, key } = await middlePage(ph, size, pageSize)
        const engineFirst = (await ph.messages.list(list)).items
        const engineMid = (await ph.messages.list({ ...list, cursor })).items
        const rawIds = (p: ReturnType<typeof page>) => p.items.map((i) => i.message_id).join()
        if (
          ids(engineFirst) !== rawIds(page('bob', 'inbox')) ||
          ids(engineMid) !== rawIds(page('bob', 'inbox', key)) ||
          engineMid.length !== pageSize
        ) {
          throw new Error(`page-scale: the reference returned other pages (inbox of ${size})`)
        }
        const f = await measurePair(
          () => ph.messages.list(list),
          () => page('bob', 'inbox'),
          plan,
        )
        first.set(size, f)
        rows.push({ case: 'page-scale', measure: `first page, inbox of ${shortSize(size)}`, ...f })
        const m = await measurePair(
          () => ph.messages.list({ ...list, cursor }),
          () => page('bob', 'inbox', key),
          plan,
        )
        mid.set(size, m)
        rows.push({ case: 'page-scale', measure: `middle page, inbox of ${shortSize(size)}`, ...m })
      } finally {
        await ph.close()
        db.close()
        await rm(path, { force: true })
        await rm(`${path}-wal`, { force: true })
        await rm(`${path}-shm`, { force: true })
      }
    }
    env.log(growthLine(env, 'the first page', first))
    env.log(growthLine(env, 'the middle page', mid))
    // Quick runs draw too (so the code keeps working) but not over the committed chart.
    const target = env.quick ? join(env.dir, 'page-latency.svg') : chartFile
    await writeFile(target, chart(first, mid))
    env.log(`chart written to ${target}`)
    return rows
  },
}
