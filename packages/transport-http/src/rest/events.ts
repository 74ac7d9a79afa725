import type { Pigeonhole } from '@pigeonhole/core'
import type { Context } from 'hono'
import { streamSSE } from 'hono/streaming'
import type { Principal } from './auth.js'
import { fail } from './problems.js'
import { type Env, querySchema, type Router, readQuery } from './routing.js'

/** The cursor to start after: `Last-Event-ID`, else `?after=`, else 0. */
function startCursor(c: Context, q: Record<string, unknown>): number {
  const header = c.req.header('last-event-id')
  const raw = header ?? q.after ?? 0
  const n =
    typeof raw === 'number' ? raw : /^\d{1,16}$/.test(String(raw)) ? Number(raw) : Number.NaN
  if (!Number.isSafeInteger(n) || n < 0) {
    fail(
      'invalid_input',
      `after: expected an event cursor (a whole number ≥ 0), got ${JSON.stringify(raw)}`,
      {
        field: header === undefined ? 'after' : 'Last-Event-ID',
      },
    )
  }
  return n
}

const ownerOf = (p: Principal) => (p.kind === 'account' ? p.account : undefined)

/**
 * `GET /events` (pages of stored events) and `GET /events/stream` (Server-Sent Events, also
 * `GET /events` with `Accept: text/event-stream`). Both use the event cursor: an SSE event's
 * `id` is its cursor, so a client that reconnects with `Last-Event-ID` resumes after the last
 * event it got (`ph.events.since`: stored ones first, then live, no gap, no duplicate). A key
 * bound to an account sees only that account's events (events with no owner are left out).
 */
export function eventRoutes(r: Router, ph: Pigeonhole, o: { heartbeatMs: number }): void {
  const stream = (c: Context<Env>, p: Principal) => sse(c, ph, p, o.heartbeatMs)
  r.add(
    {
      method: 'get',
      path: '/events',
      summary: 'A page of events after a cursor (or SSE with Accept: text/event-stream)',
      tag: 'events',
      query: querySchema({ after: 'number', limit: 'number' }),
    },
    async (c, p) => {
      if ((c.req.header('accept') ?? '').includes('text/event-stream')) return stream(c, p)
      const q = readQuery(c, { after: 'number', limit: 'number' })
      const owner = ownerOf(p)
      return ph.events.read({ ...q, after: startCursor(c, q), ...(owner && { owner }) } as never)
    },
  )
  r.add(
    {
      method: 'get',
      path: '/events/stream',
      summary: 'Server-Sent Events from a cursor (Last-Event-ID or ?after=)',
      tag: 'events',
      query: querySchema({ after: 'number' }),
      eventStream: true,
    },
    async (c, p) => stream(c, p),
  )
}

async function sse(c: Context<Env>, ph: Pigeonhole, p: Principal, heartbeatMs: number) {
  const q = readQuery(c, { after: 'number' })
  const after = startCursor(c, q)
  // A cursor past the newest stored event is a 400 now, not an error mid-stream.
  await ph.events.read({ after, limit: 1 })
  const owner = ownerOf(p)
  return streamSSE(c, async (out) => {
    // Pulled one event at a time, each written (and the socket drained) before the next: a
    // client that reads slowly holds at most the stream's high-water mark of events here; the
    // rest wait in the event table.
    const events = ph.events.stream({ since: after })
    out.onAbort(() => void events.return())
    let writing: Promise<unknown> = Promise.resolve()
    let busy = false
    const send = (write: () => Promise<unknown>) => {
      busy = true
      writing = write().finally(() => (busy = false))
      return writing
    }
    // A heartbeat only when nothing is being written: a stalled client never piles them up.
    const beat = setInterval(() => {
      if (!busy) void send(() => out.write(': keep-alive\n\n'))
    }, heartbeatMs)
    beat.unref?.()
    let failed: unknown
    try {
      for await (const e of events) {
        if (owner !== undefined && e.owner !== owner) continue
        await writing
        if (out.aborted) break
        await send(() =>
          out.writeSSE({ id: String(e.cursor), event: e.type, data: JSON.stringify(e) }),
        )
      }
    } catch (error) {
      failed = error
    } finally {
      clearInterval(beat)
      await events.return()
      await writing.catch(() => {})
    }
    if (failed !== undefined && !out.aborted) {
      await out.writeSSE({ event: 'error', data: JSON.stringify({ detail: String(failed) }) })
    }
  })
}
