// Loops one small call for a CPU profile:
//   node --conditions=source --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/scripts/small-calls.ts counts 100000
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openEngine } from '../src/lib/files.js'
import { buildInbox } from '../src/lib/inbox-files.js'

const what = process.argv[2] ?? 'counts'
const n = Number(process.argv[3] ?? 100_000)
const dir = await mkdtemp(join(tmpdir(), 'small-calls-'))
const path = await buildInbox(dir, 1000, () => {})
const ph = await openEngine(path)
const first = await ph.messages.list({ owner: 'bob', box: 'inbox', limit: 50 })
const id = first.items[0]!.message.id
const ops: Record<string, () => Promise<unknown>> = {
  counts: () => ph.boxes.counts('bob'),
  page: () => ph.messages.list({ owner: 'bob', box: 'inbox', limit: 50 }),
  item: () => ph.messages.getItem({ owner: 'bob', id }),
}
const op = ops[what]!
for (let i = 0; i < 2000; i++) await op()
const start = process.hrtime.bigint()
for (let i = 0; i < n; i++) await op()
const ns = Number(process.hrtime.bigint() - start) / n
console.log(`${what}: ${(ns / 1000).toFixed(2)} µs/op`)
await ph.close()
