// The crash-safety run at scale: `npm run crash -w @pigeonhole/bench` (CRASH_KILLS, default
// 1000; CRASH_SEED to replay; CRASH_MODE=full for durability 'full' with group commit).
// Prints the figures; exits 1 if anything was lost or doubled.
import { runCrashTrial } from './harness.js'
import { type CrashMode, crashModes } from './protocol.js'

const kills = Number(process.env.CRASH_KILLS ?? 1000)
const seed = process.env.CRASH_SEED === undefined ? undefined : Number(process.env.CRASH_SEED)
const mode = (process.env.CRASH_MODE ?? 'normal') as CrashMode
if (!crashModes.includes(mode)) {
  console.error(`CRASH_MODE: expected one of ${crashModes.join(', ')}, got ${mode}`)
  process.exit(2)
}
const log = (line: string) => console.log(`  ${line}`)

console.log(`crash: ${kills} SIGKILLs of a writing child on one SQLite file (durability '${mode}')`)
const report = await runCrashTrial({ kills, seed, mode, log })
const figures: [string, string | number][] = [
  ['seed', report.seed],
  ['mode', mode],
  ['kills', report.kills],
  ['acknowledged sends', report.acknowledged],
  ['acknowledged reads', report.acknowledgedReads],
  ['messages stored', report.stored],
  ['  committed, killed before the ack', report.stored - report.acknowledged],
  ['keyed sends retried after a kill', report.retriedAfterKill],
  ['  found already stored (returned once)', report.retriedFoundStored],
  ['lost', report.lost.length],
  ['duplicates', report.duplicates.length],
  ['reads lost', report.unread.length],
  ['integrity_check problems', report.integrity.length],
  ['verify differences', report.differences.length],
  ['child failures', report.failures.length],
  ['elapsed', `${(report.elapsedMs / 1000).toFixed(1)} s`],
]
const width = Math.max(...figures.map(([name]) => name.length))
for (const [name, value] of figures) console.log(`${name.padEnd(width)}  ${value}`)
const problems = [
  ...report.failures,
  ...report.lost.map((id) => `lost ${id}`),
  ...report.duplicates.map((d) => `duplicate ${d}`),
  ...report.unread.map((r) => `read lost ${r}`),
  ...report.integrity,
  ...report.differences.map((d) => `${d.kind} ${JSON.stringify(d.details)}`),
]
for (const problem of problems.slice(0, 20)) console.log(`! ${problem}`)
if (problems.length > 0) process.exitCode = 1
