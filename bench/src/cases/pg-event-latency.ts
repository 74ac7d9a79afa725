import type { PigeonholeEvent, Store } from '@pigeonhole/core'
import type pg from 'pg'
import { type BenchCase, planFor } from '../lib/case.js'
import { latencyStats, quantile } from '../lib/latency.js'
import { openPgEngine, rawClient, reachable, schemas, unreachableLine } from '../lib/postgres.js'

const now = () => Number(process.hrtime.bigint())

/** The store, with the time its last transaction committed (when COMMIT returned). */
function commitClock(store: Store): { store: Store; last: () => number } {
  let committedAt = 0
  return {
    store: {
      ...store,
      transaction: async (body) => {
        const value = await store.transaction(body)
        committedAt = now()
        return value
      },
    },
    last: () => committedAt,
  }
}

/**
 * When each message's `message.received` reached `events$`: the other instance may emit it
 * before the sender's `send()` has returned, so arrivals are kept by message id.
 */
function arrivals(events$: { subscribe(next: (e: PigeonholeEvent) => void): unknown }) {
  const seen = new Map<string, number>()
  const waiting = new Map<string, (at: number) => void>()
  events$.subscribe((e) => {
    if (e.type !== 'message.received' || e.messageId === null) return
    const at = now()
    const wake = waiting.get(e.messageId)
    if (wake) wake(at)
    else seen.set(e.messageId, at)
  })
  return (id: string): Promise<number> => {
    const at = seen.get(id)
    if (at !== undefined) return Promise.resolve(at)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no events$ for ${id} after 10 s`)), 10_000)
      waiting.set(id, (at) => {
        clearTimeout(timer)
        resolve(at)
      })
    })
  }
}

/** The floor: `pg_notify` on one connection until the notification reaches a listening one. */
async function notifyRoundTrip(sender: pg.Client, listener: pg.Client, channel: string, n: number) {
  const payload = `ping-${n}`
  const arrived = new Promise<number>((resolve) => {
    const on = (m: pg.Notification) => {
      if (m.channel !== channel || m.payload !== payload) return
      const at = now()
      listener.off('notification', on)
      resolve(at)
    }
    listener.on('notification', on)
  })
  const start = now()
  await sender.query('select pg_notify($1, $2)', [channel, payload])
  return (await arrived) - start
}

export const pgEventLatencyCase: BenchCase = {
  name: 'pg-event-latency',
  summary:
    'PostgreSQL: commit on one engine to events$ on another (same database): p50, p99; floor: raw LISTEN/NOTIFY',
  async run(env) {
    if (!(await reachable())) {
      env.log(unreachableLine)
      return []
    }
    const plan = planFor(
      env,
      { warmupOps: 5, samples: 30, opsPerSample: 1 },
      { warmupOps: 30, samples: 400, opsPerSample: 1 },
    )
    const names = schemas('latency')
    const schema = names.next()
    const channel = `bench_notify_${process.pid}`
    try {
      let clock: ReturnType<typeof commitClock> | undefined
      const writer = await openPgEngine(schema, {}, (s) => {
        clock = commitClock(s)
        return clock.store
      })
      const reader = await openPgEngine(schema)
      const sender = await rawClient()
      const listener = await rawClient()
      await listener.query(`listen "${channel}"`)
      const arrivalOf = arrivals(reader.events$)
      try {
        await writer.accounts.register({ address: 'alice' })
        await writer.accounts.register({ address: 'bob' })
        const engine: number[] = []
        const fromCall: number[] = []
        const floor: number[] = []
        for (let i = 0; i < plan.warmupOps + plan.samples; i++) {
          const called = now()
          const sent = await writer.messages.send({ from: 'alice', to: ['bob'], content: { n: i } })
          const at = await arrivalOf(sent.id)
          const rtt = await notifyRoundTrip(sender, listener, channel, i)
          if (i < plan.warmupOps) continue
          engine.push(at - clock!.last())
          fromCall.push(at - called)
          floor.push(rtt)
        }
        const ms = (ns: number) => `${(ns / 1e6).toFixed(2)} ms`
        env.log(
          `send() call to events$ on the other instance: p50 ${ms(quantile(fromCall, 0.5))}, p99 ${ms(quantile(fromCall, 0.99))}`,
        )
        const rows = [0.5, 0.99].map((q) => ({
          case: 'pg-event-latency',
          measure: `p${q * 100} commit → events$ on another instance`,
          engine: latencyStats(engine, q),
          reference: latencyStats(floor, q),
        }))
        return rows
      } finally {
        await writer.close()
        await reader.close()
        await sender.end()
        await listener.end()
      }
    } finally {
      await names.drop()
    }
  },
}
