import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BenchCase, BenchRow } from './case.js'
import type { RunFigure } from './summary.js'

/** The figures targets read from a pair row: its ratio, and the engine's median time. */
export function rowFigures(row: BenchRow): RunFigure[] {
  return [
    {
      case: row.case,
      row: row.measure,
      kind: 'ratio',
      value: row.engine.opsPerSec / row.reference.opsPerSec,
    },
    { case: row.case, row: row.measure, kind: 'ms', value: row.engine.medianNs / 1e6 },
  ]
}

/** Runs one case in a fresh temporary directory: its rows, and every figure of the run. */
export async function runCase(
  c: BenchCase,
  quick: boolean,
): Promise<{ rows: BenchRow[]; figures: RunFigure[] }> {
  const dir = await mkdtemp(join(tmpdir(), `pigeonhole-bench-${c.name}-`))
  const started = process.hrtime.bigint()
  const figures: RunFigure[] = []
  let rows: BenchRow[]
  try {
    rows = await c.run({
      quick,
      dir,
      log: (line) => console.log(`  ${line}`),
      figure: (row, kind, value) => figures.push({ case: c.name, row, kind, value }),
    })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  console.log(`  ${c.name}: done in ${seconds.toFixed(1)} s`)
  return { rows, figures: [...rows.flatMap(rowFigures), ...figures] }
}
