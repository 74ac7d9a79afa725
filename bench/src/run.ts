// npm run bench [-- <case>...] [--quick] [--runs N] [--summary] [--write-summary]: each case
// beside its hand-written reference, measured in the same run; prints a table with the ratio
// engine/reference. With --summary, the figures of the N runs against the targets
// (src/targets.ts); never a failing exit status for a missed target.
import { readFile, writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { cases } from './cases/index.js'
import type { BenchRow } from './lib/case.js'
import { runCase } from './lib/run-case.js'
import {
  formatValue,
  type RunFigure,
  replaceBetween,
  summarize,
  summaryTable,
} from './lib/summary.js'
import { formatTable, machineLine } from './lib/table.js'
import { targets } from './targets.js'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const writeSummary = args.includes('--write-summary')
const summary = writeSummary || args.includes('--summary')
const runsAt = args.indexOf('--runs')
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 1
const names = args.filter((a, i) => !a.startsWith('--') && !(runsAt >= 0 && i === runsAt + 1))
if (args.includes('--help')) {
  console.log(
    'usage: npm run bench [-- <case>...] [--quick] [--runs N] [--summary] [--write-summary]\n',
  )
  for (const c of cases) console.log(`  ${c.name.padEnd(8)} ${c.summary}`)
  process.exit(0)
}
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs: expected a whole number ≥ 1, got ${args[runsAt + 1]}`)
  process.exit(2)
}
const unknown = names.filter((n) => !cases.some((c) => c.name === n))
if (unknown.length > 0) {
  console.error(`unknown case ${unknown.join(', ')}; cases: ${cases.map((c) => c.name).join(', ')}`)
  process.exit(2)
}
const selected = names.length === 0 ? cases : cases.filter((c) => names.includes(c.name))

const header = `${machineLine()}${quick ? ' · quick (tiny sizes: a smoke run, not figures)' : ''}`
console.log(header)
const figures: RunFigure[][] = []
const loads: number[] = []
for (let run = 1; run <= runs; run++) {
  if (runs > 1) console.log(`\nrun ${run} of ${runs}`)
  const out: RunFigure[] = []
  // Cases one after the other in each run: drift in the machine falls on every case alike.
  const rows: BenchRow[] = []
  for (const c of selected) {
    const result = await runCase(c, quick)
    rows.push(...result.rows)
    out.push(...result.figures)
  }
  loads.push(loadavg()[0]!)
  figures.push(out)
  if (rows.length > 0) console.log(`\n${formatTable(rows)}`)
  const others = out.filter((f) => f.kind !== 'ratio' && !rows.some((r) => r.measure === f.row))
  for (const f of others) console.log(`${f.case}: ${f.row}: ${formatValue(f.kind, f.value)}`)
}

if (summary) {
  const caseNames = new Set(selected.map((c) => c.name))
  const lines = summarize(
    targets.filter((t) => caseNames.has(t.case)),
    figures,
  )
  const load = loads.map((l) => l.toFixed(1)).join(', ')
  const table = [
    `${header} · ${runs} run${runs > 1 ? 's' : ''} · load average ${load}`,
    '',
    summaryTable(lines),
  ].join('\n')
  console.log(`\n${table}`)
  if (writeSummary) {
    const readme = new URL('../README.md', import.meta.url)
    const text = await readFile(readme, 'utf8')
    await writeFile(
      readme,
      replaceBetween(text, '<!-- summary:start -->', '<!-- summary:end -->', table),
    )
    console.log('\nsummary written to bench/README.md')
  }
}
