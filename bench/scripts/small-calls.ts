// Loops one small call, for timing and for a CPU profile of the loop alone (issue 16):
//   npx tsx --conditions=source bench/scripts/small-calls.ts counts 100000 [profile.cpuprofile]
// `counts` (boxes.counts), `page` (messages.list, first page of 50) or `item` (messages.getItem),
// on an inbox of 1,000 messages written as the bench cases write theirs.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openEngine } from '../src/lib/files.js'
import { buildInbox } from '../src/lib/inbox-files.js'

const what = process.argv[2] ?? 'counts'
const n = Number(process.argv[3] ?? 100_000)
const profileTo = process.argv[4]
const dir = await mkdtemp(join(tmpdir(), 'small-calls-'))
const ph = await openEngine(await buildInbox(dir, 1000, () => {}))
const ids = (await ph.messages.list({ owner: 'bob', box: 'inbox', limit: 1000 })).items.map(
  (i) => i.message.id,
)
let i = 0
const ops: Record<string, () => Promise<unknown>> = {
  counts: () => ph.boxes.counts('bob'),
  page: () => ph.messages.list({ owner: 'bob', box: 'inbox', limit: 50 }),
  item: () => ph.messages.getItem({ owner: 'bob', id: ids[i++ % ids.length]! }),
}
const op = ops[what]
if (!op) throw new Error(`small-calls: one of ${Object.keys(ops).join(', ')}`)
for (let k = 0; k < 2000; k++) await op()
const session = new Session()
if (profileTo) {
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 100 })
  await session.post('Profiler.start')
}
const start = process.hrtime.bigint()
const cpu = process.cpuUsage()
for (let k = 0; k < n; k++) await op()
const used = process.cpuUsage(cpu)
const ns = Number(process.hrtime.bigint() - start) / n
if (profileTo) {
  const { profile } = await session.post('Profiler.stop')
  await writeFile(profileTo, JSON.stringify(profile))
}
const cpuNs = ((used.user + used.system) * 1000) / n
console.log(`${what}: ${(ns / 1000).toFixed(2)} µs/op wall, ${(cpuNs / 1000).toFixed(2)} µs/op CPU`)
await ph.close()
