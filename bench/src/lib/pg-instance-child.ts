// One app instance in its own process, for the several-instances benchmarks (the pg-instances
// case and scripts/pg-multi-instance.ts): it sends from `lanes` concurrent callers, either a
// fixed number of sends or for a fixed time, and reports what it sent and what its events$
// emitted. Started with fork(); talks to its parent through process.send.
import { openPigeonhole, type Store } from '@pigeonhole/core'
import { postgresStore } from '@pigeonhole/store-postgres'
import { sql } from 'kysely'
import pg from 'pg'
import { referenceSendPg } from '../cases/pg-send.js'
import { databaseUrl } from './postgres.js'

/** What the instance does with events: listen and NOTIFY (the default), neither, or the trap. */
export type InstanceMode = 'listen' | 'quiet' | 'notify-in-tx'

export interface InstanceJob {
  schema: string
  lanes: number
  /** `engine`: Pigeonhole on postgresStore; `raw`: the hand-written pg send of pg-send. */
  side: 'engine' | 'raw'
  mode: InstanceMode
  /** Stop after this many sends in all (split over the lanes)… */
  sends?: number
  /** …or after this many milliseconds. */
  ms?: number
  /** Who sends to whom: `from` and `to` drawn from these. */
  accounts: readonly string[]
}

export type InstanceReport =
  | { type: 'ready' }
  | { type: 'sent'; sends: number; ms: number }
  | { type: 'seen'; events: number; inOrder: boolean; last: number }

/** Runs the child side of a job given as `--instance <json>`; resolves when it is done. */
export async function runInstance(job: InstanceJob): Promise<void> {
  const report = (m: InstanceReport) => process.send!(m)
  const next = () => new Promise<unknown>((resolve) => process.once('message', resolve))
  const { send, close, seen } = job.side === 'raw' ? await rawSide(job) : await engineSide(job)
  report({ type: 'ready' })
  await next()
  const started = performance.now()
  const until = job.ms === undefined ? Number.POSITIVE_INFINITY : started + job.ms
  let left = job.sends ?? Number.POSITIVE_INFINITY
  let n = 0
  let sends = 0
  const { accounts } = job
  await Promise.all(
    Array.from({ length: job.lanes }, async () => {
      while (left > 0 && performance.now() < until) {
        left -= 1
        n += 1
        const from = accounts[n % accounts.length]!
        const other = accounts[(n * 7 + 3) % accounts.length]!
        await send(from, other === from ? accounts[(n + 1) % accounts.length]! : other, { n })
        sends += 1
      }
    }),
  )
  report({ type: 'sent', sends, ms: performance.now() - started })
  // The parent answers with the newest cursor once every instance stopped sending.
  const target = (await next()) as number
  if (seen) {
    // At most 60 s: a lost event must fail the run's check, not hang it.
    const give = performance.now() + 60_000
    while (seen().last < target && performance.now() < give) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    report({ type: 'seen', ...seen() })
  } else {
    report({ type: 'seen', events: 0, inOrder: true, last: 0 })
  }
  await close()
  process.disconnect()
}

async function engineSide(job: InstanceJob) {
  const base = postgresStore({
    connectionString: databaseUrl,
    schema: job.schema,
    poolSize: job.lanes + 2,
    listen: job.mode !== 'quiet',
    notify: job.mode === 'listen',
  })
  const store: Store = job.mode === 'notify-in-tx' ? notifyInside(base) : base
  const ph = await openPigeonhole({ store })
  // Every event once, cursors strictly growing: checked as they come.
  let events = 0
  let last = ph.events.lastCursor
  let inOrder = true
  ph.events$.subscribe((e) => {
    events += 1
    if (e.cursor <= last) inOrder = false
    last = e.cursor
  })
  return {
    send: (from: string, to: string, content: { n: number }) =>
      ph.messages.send({ from, to: [to], content }),
    close: () => ph.close(),
    seen: job.mode === 'quiet' ? undefined : () => ({ events, inOrder, last }),
  }
}

/** The raw pg send, one client per lane. */
async function rawSide(job: InstanceJob) {
  const clients: pg.Client[] = []
  const sends: ReturnType<typeof referenceSendPg>[] = []
  for (let i = 0; i < job.lanes; i++) {
    const client = new pg.Client({
      connectionString: databaseUrl,
      options: `-c search_path="${job.schema}"`,
    })
    await client.connect()
    clients.push(client)
    sends.push(referenceSendPg(client))
  }
  const idle = [...sends]
  return {
    // Each call takes a free client: a lane has one send in flight at most.
    send: async (from: string, to: string, content: { n: number }) => {
      const one = idle.pop()!
      try {
        await one(from, to, content)
      } finally {
        idle.push(one)
      }
    },
    close: async () => {
      for (const c of clients) await c.end()
    },
    seen: undefined,
  }
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

const at = process.argv.indexOf('--instance')
if (at >= 0) {
  runInstance(JSON.parse(process.argv[at + 1]!) as InstanceJob).catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
