import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BenchCase, BenchRow } from '../lib/case.js'
import type { Stats } from '../lib/measure.js'
import type { InstanceJob } from '../lib/pg-instance-child.js'
import {
  checkNothingLost,
  type InstancesRun,
  prepareSchema,
  runInstances,
} from '../lib/pg-instances.js'
import { reachable, schemas, unreachableLine } from '../lib/postgres.js'
import { lineChartSvg } from '../lib/svg-chart.js'
import { machineLine } from '../lib/table.js'

const chartFile = fileURLToPath(new URL('../../pg-instances.svg', import.meta.url))
const accounts = Array.from({ length: 20 }, (_, i) => `user${i}`)
/** Concurrent callers per instance. */
const lanes = 4

/** Sends per second of the whole run as Stats; spread: how unevenly the instances sent. */
function throughput(run: InstancesRun): Stats {
  return { medianNs: 1e9 / run.sendsPerSecond, opsPerSec: run.sendsPerSecond, spread: 0 }
}

function chart(engine: InstancesRun[], raw: InstancesRun[]): string {
  const points = (runs: InstancesRun[]) =>
    runs.map((r) => ({ x: r.instances, y: Math.round(r.sendsPerSecond) }))
  return lineChartSvg({
    title: 'Sends per second against app instances on one PostgreSQL',
    subtitle: `${lanes} callers per instance, every engine instance listening · ${machineLine()}`,
    xLabel: 'app instances (processes), log scale',
    yLabel: 'sends per second, all instances',
    xTicks: engine.map((r) => ({ value: r.instances, label: String(r.instances) })),
    series: [
      { name: 'engine (listening)', color: '#1f77b4', points: points(engine) },
      { name: 'raw pg (no events)', color: '#1f77b4', dashed: true, points: points(raw) },
    ],
  })
}

export const pgInstancesCase: BenchCase = {
  name: 'pg-instances',
  summary:
    'sends/s of 1, 2, 4 and 8 app processes on one PostgreSQL, each listening; nothing lost; draws pg-instances.svg',
  async run(env) {
    if (!(await reachable())) {
      env.log(unreachableLine)
      return []
    }
    const counts = env.quick ? [1, 2] : [1, 2, 4, 8]
    const ms = env.quick ? 1500 : 10_000
    const names = schemas('instances')
    const engine: InstancesRun[] = []
    const raw: InstancesRun[] = []
    const rows: BenchRow[] = []
    try {
      for (const instances of counts) {
        const runs: InstancesRun[] = []
        // Engine and raw alternate per count, each on a fresh schema.
        for (const side of ['engine', 'raw'] as const) {
          const schema = names.next()
          await prepareSchema(schema, accounts)
          const job: InstanceJob = { schema, lanes, side, mode: 'listen', ms, accounts }
          const run = await runInstances(job, instances)
          checkNothingLost(run)
          runs.push(run)
          ;(side === 'engine' ? engine : raw).push(run)
        }
        const [e, r] = runs as [InstancesRun, InstancesRun]
        const seen = e.seen.map((s) => s.events).join(', ')
        env.log(
          `${instances} instance(s): engine ${Math.round(e.sendsPerSecond)} sends/s, raw ${Math.round(r.sendsPerSecond)}/s; ` +
            `${e.stored.events} events stored, emitted by each instance: ${seen} (none lost, none twice, in order)`,
        )
        rows.push({
          case: 'pg-instances',
          measure: `${instances} instance(s) × ${lanes} callers, sends/s`,
          engine: throughput(e),
          reference: throughput(r),
        })
      }
      const target = env.quick ? join(env.dir, 'pg-instances.svg') : chartFile
      await writeFile(target, chart(engine, raw))
      env.log(`chart written to ${target}`)
      return rows
    } finally {
      await names.drop()
    }
  },
}
