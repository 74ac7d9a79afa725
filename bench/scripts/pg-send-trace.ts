/**
 * Where a PostgreSQL send goes: every statement the engine writes for one send, how many were
 * unanswered on its connection when it left (0 = a new round trip) and when it was answered.
 * `npx tsx --conditions=source scripts/pg-send-trace.ts [sends]`
 */
import pg from 'pg'
import { openPgEngine, schemas } from '../src/lib/postgres.js'

const notes: { t: number; text: string; behind: number; conn: number; done?: number }[] = []
let conns = 0
const ids = new WeakMap<object, { id: number; unanswered: number }>()
const original = pg.Client.prototype.query
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  let c = ids.get(this)
  if (!c) {
    c = { id: ++conns, unanswered: 0 }
    ids.set(this, c)
  }
  const first = args[0] as string | { text: string }
  const note: (typeof notes)[number] = {
    t: performance.now(),
    text: (typeof first === 'string' ? first : first.text).replace(/\s+/g, ' ').slice(0, 110),
    behind: c.unanswered,
    conn: c.id,
  }
  notes.push(note)
  c.unanswered++
  const cc = c
  const done = () => {
    cc.unanswered--
    note.done = performance.now()
  }
  const last = args.at(-1)
  if (typeof last === 'function') {
    args[args.length - 1] = (...r: unknown[]) => {
      done()
      return (last as (...a: unknown[]) => unknown)(...r)
    }
    return (original as (...a: unknown[]) => unknown).apply(this, args)
  }
  const answer = (original as (...a: unknown[]) => Promise<unknown>).apply(this, args)
  answer.then(done, done)
  return answer
} as typeof pg.Client.prototype.query

const names = schemas('trace')
const schema = names.next()
try {
  const ph = await openPgEngine(schema)
  await ph.accounts.register({ address: 'alice' })
  await ph.accounts.register({ address: 'bob' })
  for (let i = 0; i < 50; i++)
    await ph.messages.send({ from: 'alice', to: ['bob'], content: { i } })
  const sends = Number(process.argv[2] ?? 2)
  const verbose = process.argv[3] === '-v'
  // Per step (statement text, first 40 chars): when sent and answered, relative to the send.
  const steps = new Map<string, { sent: number; answered: number; n: number }>()
  let total = 0
  for (let i = 0; i < sends; i++) {
    notes.length = 0
    const t0 = performance.now()
    await ph.messages.send({ from: 'alice', to: ['bob'], content: { subject: 'Hi', i } })
    const t1 = performance.now()
    total += t1 - t0
    if (verbose) console.log(`--- send ${i}: ${(t1 - t0).toFixed(2)} ms`)
    for (const n of notes) {
      const key = `c${n.conn === notes[0]!.conn ? 'S' : n.conn} ${n.text.slice(0, 60)}`
      const s = steps.get(key) ?? { sent: 0, answered: 0, n: 0 }
      s.sent += n.t - t0
      s.answered += (n.done ?? t1) - t0
      s.n++
      steps.set(key, s)
      if (verbose) {
        const at = (n.t - t0).toFixed(2).padStart(6)
        const ans = n.done === undefined ? '     -' : (n.done - t0).toFixed(2).padStart(6)
        console.log(`${at} ${ans} c${n.conn} ${n.behind === 0 ? 'RT' : '  '} ${n.text}`)
      }
    }
  }
  console.log(`mean send ${(total / sends).toFixed(3)} ms; mean sent/answered per statement (ms):`)
  for (const [k, s] of steps) {
    console.log(
      `${(s.sent / s.n).toFixed(3).padStart(7)} ${(s.answered / s.n).toFixed(3).padStart(7)} x${(s.n / sends).toFixed(2)} ${k}`,
    )
  }
  await ph.close()
} finally {
  await names.drop()
}
