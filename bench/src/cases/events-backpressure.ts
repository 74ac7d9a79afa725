import { join } from 'node:path'
import type { Pigeonhole, PigeonholeEvent } from '@pigeonhole/core'
import { concatMap } from 'rxjs'
import type { BenchCase } from '../lib/case.js'
import { openEngine } from '../lib/files.js'
import { collectGarbage, memoryNow } from '../lib/heap.js'

const MiB = 1024 * 1024
const batch = 1000

/** The slow subscriber: 1 ms of asynchronous work per event (a timer, like an I/O call). */
const handle = () => new Promise<void>((resolve) => setTimeout(resolve, 1))

/** How a subscriber follows the events: the engine's bounded stream, or the naive pipeline. */
type Follow = (
  ph: Pigeonhole,
  onHandled: (event: PigeonholeEvent) => void,
) => { stop(): Promise<void> }

const bounded: Follow = (ph, onHandled) => {
  const stream = ph.events.stream({ highWaterMark: 1000 })
  const done = (async () => {
    for await (const event of stream) {
      await handle()
      onHandled(event)
    }
  })()
  return {
    stop: async () => {
      await stream.return()
      await done
    },
  }
}

const naive: Follow = (ph, onHandled) => {
  const subscription = ph.events$
    .pipe(
      concatMap(async (event) => {
        await handle()
        return event
      }),
    )
    .subscribe(onHandled)
  return { stop: async () => subscription.unsubscribe() }
}

interface Peak {
  /** Highest heap + array buffers right after a full collection (what is held), over baseline. */
  live: number
  /** Highest heap + array buffers sampled with no collection (garbage included), over baseline. */
  raw: number
  handledInBurst: number
  burstMs: number
  lastHandled: number
}

/**
 * Sends `messages` (two events each) in sendMany batches of 1,000 as fast as the engine takes
 * them while the subscriber handles one event per ms, then lets it drain `drainEvents` more.
 * Memory is sampled (with garbage) after every batch and every 50 handled events, and after a
 * full collection (what is held) every 10 batches, at the end of the burst and every 250 ms of
 * the drain. The rest of the drain (200 s at 1 ms an event) is not waited for: the naive queue
 * only shrinks from there, and the stream keeps reading pages of the same bounded size.
 */
async function burst(
  ph: Pigeonhole,
  follow: Follow,
  messages: number,
  drainEvents: number,
): Promise<Peak> {
  await ph.accounts.register({ address: 'alice' })
  await ph.accounts.register({ address: 'bob' })
  let handled = 0
  let lastHandled = 0
  let previous = 0
  let misordered = 0
  await collectGarbage()
  const before = memoryNow().heap
  let live = 0
  let raw = 0
  const sample = async (collect: boolean) => {
    raw = Math.max(raw, memoryNow().heap - before)
    if (!collect) return
    await collectGarbage(0)
    live = Math.max(live, memoryNow().heap - before)
  }
  const follower = follow(ph, (event) => {
    if (event.cursor <= previous) misordered++
    previous = event.cursor
    lastHandled = event.cursor
    handled++
    if (handled % 50 === 0) raw = Math.max(raw, memoryNow().heap - before)
  })
  const t0 = performance.now()
  for (let sent = 0; sent < messages; sent += batch) {
    const result = await ph.messages.sendMany(
      Array.from({ length: Math.min(batch, messages - sent) }, (_, i) => ({
        identifier: `m${sent + i}`,
        from: 'alice',
        to: ['bob'],
        content: { text: `message ${sent + i}` },
      })),
    )
    if (result.failed > 0) throw new Error('events-backpressure: a send failed')
    // The event loop turns between batches (as between requests), so the subscriber's timers run.
    await new Promise((resolve) => setImmediate(resolve))
    // A full collection costs more as the naive queue grows: every 10th batch, and the last.
    const batches = sent / batch + 1
    await sample(batches % 10 === 0 || sent + batch >= messages)
  }
  const burstMs = performance.now() - t0
  const handledInBurst = handled
  const until = handled + drainEvents
  while (handled < until) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    await sample(true)
  }
  await follower.stop()
  if (misordered > 0) throw new Error(`events-backpressure: ${misordered} events out of order`)
  return { live, raw, handledInBurst, burstMs, lastHandled }
}

/**
 * Resumes after the last handled event, at full speed: every event up to the newest must come
 * once, in order (the bounded stream dropped none of what it did not hold).
 */
async function resume(ph: Pigeonhole, after: number): Promise<number> {
  const newest = ph.events.lastCursor
  if (after >= newest) return 0
  let expected = after + 1
  const stream = ph.events.stream({ since: after })
  for await (const event of stream) {
    if (event.cursor !== expected) {
      throw new Error(`events-backpressure: resumed at ${event.cursor}, expected ${expected}`)
    }
    if (expected++ === newest) break
  }
  return expected - after - 1
}

/**
 * A burst of sends with a subscriber that takes 1 ms per event: the peak memory held with
 * `ph.events.stream()` (bounded by its high-water mark), beside the naive rxjs pipeline
 * `events$.pipe(concatMap(async ...))` that queues every event it has not handled yet.
 */
export const eventsBackpressureCase: BenchCase = {
  name: 'events-backpressure',
  summary:
    '100,000 messages sent while a subscriber takes 1 ms per event: peak heap, events.stream() beside a naive events$ + concatMap',
  async run(env) {
    const messages = env.quick ? 2000 : 100_000
    const drainEvents = env.quick ? 200 : 2000
    const subjects: [string, Follow][] = [
      ['naive events$ + concatMap', naive],
      ['events.stream()', bounded],
    ]
    const peaks = new Map<string, Peak>()
    for (const [label, follow] of subjects) {
      const ph = await openEngine(join(env.dir, `events-${peaks.size}.db`))
      try {
        const peak = await burst(ph, follow, messages, drainEvents)
        peaks.set(label, peak)
        const events = ph.events.lastCursor
        let resumed = ''
        if (follow === bounded) {
          const t0 = performance.now()
          const count = await resume(ph, peak.lastHandled)
          const s = ((performance.now() - t0) / 1000).toFixed(1)
          resumed = `; resumed from cursor ${peak.lastHandled} at full speed: ${count} events in ${s} s, none missing or twice`
        }
        env.log(
          `${label}: ${messages.toLocaleString('en-US')} messages (${events.toLocaleString('en-US')} events) ` +
            `sent in ${(peak.burstMs / 1000).toFixed(1)} s, ${peak.handledInBurst} handled meanwhile; ` +
            `peak growth ${(peak.live / MiB).toFixed(1)} MiB held (after a full GC), ` +
            `${(peak.raw / MiB).toFixed(1)} MiB with garbage${resumed}`,
        )
        env.figure(`peak live heap growth, ${label}`, 'MiB', peak.live / MiB)
      } finally {
        await ph.close()
      }
    }
    return []
  },
}
