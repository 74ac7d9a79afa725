// npm run bench [-- <case>...] [--quick]: each case beside its hand-written better-sqlite3
// reference, measured in the same run; prints a table with the ratio engine/reference.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cases } from './cases/index.js'
import type { BenchRow } from './lib/case.js'
import { formatTable, machineLine } from './lib/table.js'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const names = args.filter((a) => !a.startsWith('--'))
if (args.includes('--help')) {
  console.log('usage: npm run bench [-- <case>...] [--quick]\n')
  for (const c of cases) console.log(`  ${c.name.padEnd(8)} ${c.summary}`)
  process.exit(0)
}
const unknown = names.filter((n) => !cases.some((c) => c.name === n))
if (unknown.length > 0) {
  console.error(`unknown case ${unknown.join(', ')}; cases: ${cases.map((c) => c.name).join(', ')}`)
  process.exit(2)
}
const selected = names.length === 0 ? cases : cases.filter((c) => names.includes(c.name))

console.log(`${machineLine()}${quick ? ' · quick (tiny sizes: a smoke run, not figures)' : ''}`)
const rows: BenchRow[] = []
for (const c of selected) {
  const dir = await mkdtemp(join(tmpdir(), `pigeonhole-bench-${c.name}-`))
  const started = process.hrtime.bigint()
  try {
    rows.push(...(await c.run({ quick, dir, log: (line) => console.log(`  ${line}`) })))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  console.log(`  ${c.name}: done in ${seconds.toFixed(1)} s`)
}
console.log(`\n${formatTable(rows)}`)
