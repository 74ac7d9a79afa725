// Several app instances (processes) sending on one PostgreSQL database: sends per second
// with 1, 2 and 4 writers, with and without listeners, and with NOTIFY inside the writing
// transaction (the trap the store avoids) for comparison. Every listening instance must
// see every event. Run: npm run bench:postgres -w @pigeonhole/bench
//   [-- --sends 5000 --lanes 8 --writers 1,2,4]   DATABASE_URL=postgres://user@host:port/db
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { openPigeonhole, type Store } from '@pigeonhole/core'
import { postgresStore } from '@pigeonhole/store-postgres'
import { sql } from 'kysely'
import pg from 'pg'

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const accounts = Array.from({ length: 20 }, (_, i) => `user${i}`)

type Mode = 'listen' | 'quiet' | 'notify-in-tx'
interface Job {
  schema: string
  sends: number
  lanes: number
  mode: Mode
}
type Report = { type: 'ready' } | { type: 'sent'; ms: number } | { type: 'seen'; events: number }

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`)
  return at >= 0 ? process.argv[at + 1]! : fallback
}

/** A child: one app instance that sends `sends` messages over `lanes` concurrent callers. */
async function child(job: Job): Promise<void> {
  const base = postgresStore({
    connectionString: databaseUrl,
    schema: job.schema,
    poolSize: job.lanes + 2,
    listen: job.mode !== 'quiet',
    notify: job.mode === 'listen',
  })
  const store: Store = job.mode === 'notify-in-tx' ? notifyInside(base) : base
  const ph = await openPigeonhole({ store })
  let events = 0
  ph.events$.subscribe(() => {
    events += 1
  })
  const send = (m: Report) => process.send!(m)
  send({ type: 'ready' })
  await new Promise((resolve) => process.once('message', resolve))
  const started = performance.now()
  let left = job.sends
  let n = 0
  await Promise.all(
    Array.from({ length: job.lanes }, async () => {
      while (left > 0) {
        left -= 1
        n += 1
        const from = accounts[n % accounts.length]!
        const to = accounts[(n * 7 + 3) % accounts.length]!
        await ph.messages.send({ from, to: [to === from ? accounts[0]! : to], content: { n } })
      }
    }),
  )
  send({ type: 'sent', ms: performance.now() - started })
  const target = await new Promise<number>((resolve) => process.once('message', resolve))
  while (job.mode !== 'quiet' && ph.events.lastCursor < target) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  send({ type: 'seen', events })
  await ph.close()
  process.disconnect()
}

/** The trap, for comparison: a NOTIFY inside every writing transaction (none after). */
function notifyInside(store: ReturnType<typeof postgresStore>): Store {
  return {
    ...store,
    transaction: (body) =>
      store.transaction(async (trx) => {
        const value = await body(trx)
        await sql`select pg_notify(${store.channel}, 'x')`.execute(trx)
        return value
      }),
  }
}

/** One scenario: `writers` processes on a fresh schema; returns sends per second. */
async function scenario(writers: number, mode: Mode, sends: number, lanes: number) {
  const schema = `bench_pg_${process.pid}_${writers}_${mode.replace(/-/g, '_')}`
  const setup = await openPigeonhole({
    store: postgresStore({ connectionString: databaseUrl, schema, listen: false }),
  })
  for (const address of accounts) await setup.accounts.register({ address })
  await setup.close()
  const job: Job = { schema, sends, lanes, mode }
  const children = Array.from({ length: writers }, () =>
    fork(fileURLToPath(import.meta.url), ['--child', JSON.stringify(job)], {
      execArgv: ['--import', 'tsx', '--conditions=source'],
    }),
  )
  const next = (c: (typeof children)[number]) =>
    new Promise<Report>((resolve) => c.once('message', (m: Report) => resolve(m)))
  await Promise.all(children.map(next))
  const started = performance.now()
  const sent = children.map(next)
  for (const c of children) c.send('go')
  await Promise.all(sent)
  const seconds = (performance.now() - started) / 1000
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  const { rows } = await client.query(`select max(cursor) as c from "${schema}".events`)
  const seen = children.map(next)
  for (const c of children) c.send(Number(rows[0].c ?? 0))
  const events = (await Promise.all(seen)).map((r) => (r.type === 'seen' ? r.events : -1))
  await client.query(`drop schema "${schema}" cascade`)
  await client.end()
  const total = writers * sends
  const expected = mode === 'quiet' ? undefined : total * 2
  return {
    writers,
    mode,
    sends: total,
    seconds: Number(seconds.toFixed(2)),
    sendsPerSecond: Math.round(total / seconds),
    everyEventSeen:
      expected === undefined ? 'n/a' : events.every((e) => e >= expected) ? 'yes' : 'NO',
  }
}

async function main(): Promise<void> {
  const childAt = process.argv.indexOf('--child')
  if (childAt >= 0) return child(JSON.parse(process.argv[childAt + 1]!) as Job)
  const sends = Number(arg('sends', '5000'))
  const lanes = Number(arg('lanes', '8'))
  const writerCounts = arg('writers', '1,2,4').split(',').map(Number)
  const rows = []
  for (const writers of writerCounts) {
    for (const mode of ['listen', 'quiet', 'notify-in-tx'] as Mode[]) {
      if (mode === 'notify-in-tx' && writers !== Math.max(...writerCounts)) continue
      const row = await scenario(writers, mode, sends, lanes)
      console.log(JSON.stringify(row))
      rows.push(row)
    }
  }
  console.log(
    `\n${sends} sends per process, ${lanes} concurrent callers each; PostgreSQL at ${databaseUrl.replace(/\/\/[^@/]*@/, '//…@')}`,
  )
  console.table(rows)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
