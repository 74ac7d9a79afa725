import { Validator } from '@seriousme/openapi-schema-validator'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type RestFixture, restFixture } from './helpers/rest.js'

let t: RestFixture
beforeEach(async () => {
  t = await restFixture()
})
afterEach(() => t.close())

interface SseEvent {
  id: string
  event: string
  data: { cursor: number; owner: string | null }
}

/**
 * Reads SSE events until `count` arrived, then drops the connection; with `pauseMs`, a slow
 * client: waits that long before each read.
 */
async function readEvents(
  key: string,
  count: number,
  lastId?: string,
  pauseMs = 0,
): Promise<SseEvent[]> {
  const controller = new AbortController()
  const headers: Record<string, string> = { authorization: `Bearer ${key}` }
  if (lastId !== undefined) headers['last-event-id'] = lastId
  const res = await fetch(`${t.server.url}/events/stream`, { headers, signal: controller.signal })
  expect(res.headers.get('content-type')).toContain('text/event-stream')
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
  const events: SseEvent[] = []
  let buffer = ''
  while (events.length < count) {
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs))
    const { value, done } = await reader.read()
    if (done) break
    buffer += value
    let end = buffer.indexOf('\n\n')
    while (end >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const fields = Object.fromEntries(
        block
          .split('\n')
          .filter((l) => l && !l.startsWith(':'))
          .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trimStart()]),
      )
      if (fields.id !== undefined)
        events.push({
          id: fields.id,
          event: fields.event ?? '',
          data: JSON.parse(fields.data ?? ''),
        })
      end = buffer.indexOf('\n\n')
    }
  }
  controller.abort()
  return events
}

const send = (n: number) => t.ph.messages.send({ from: 'alice', to: ['bob'], content: { n } })

describe('REST: events', () => {
  it('GET /events pages by cursor; a bound key sees only its account', async () => {
    await send(1)
    const first = await t.call('GET', '/events?after=0&limit=2')
    expect(first.status).toBe(200)
    expect(first.body.items).toHaveLength(2)
    const rest = await t.call('GET', `/events?after=${first.body.nextCursor}&limit=100`)
    const all = [...first.body.items, ...rest.body.items].map((e: { cursor: number }) => e.cursor)
    expect(new Set(all).size).toBe(all.length)
    const everything = await t.ph.events.read({ after: 0, limit: 1000 })
    expect(all).toEqual(everything.items.map((e) => e.cursor))
    const bobs = await t.call('GET', '/events?after=0', { key: t.bob })
    expect(bobs.body.items.length).toBeGreaterThan(0)
    expect(bobs.body.items.every((e: { owner: string }) => e.owner === 'bob')).toBe(true)
    expect((await t.call('GET', '/events?after=999999')).status).toBe(400)
    expect((await t.call('GET', '/events?after=abc')).status).toBe(400)
    expect((await t.call('GET', '/events', { key: null })).status).toBe(401)
  })

  it('SSE resumes from Last-Event-ID after a dropped connection: every event once', async () => {
    for (let i = 0; i < 3; i++) await send(i)
    const before = (await t.ph.events.read({ after: 0, limit: 1000 })).items.filter(
      (e) => e.owner === 'bob',
    )
    // At least 2 (a chunk may carry more: the client keeps what it got, as EventSource does).
    const firstPart = await readEvents(t.bob, 2)
    expect(firstPart.length).toBeGreaterThanOrEqual(2)
    // Dropped; more happens meanwhile.
    for (let i = 3; i < 6; i++) await send(i)
    const after = (await t.ph.events.read({ after: 0, limit: 1000 })).items.filter(
      (e) => e.owner === 'bob',
    )
    const rest = await readEvents(t.bob, after.length - firstPart.length, firstPart.at(-1)!.id)
    const seen = [...firstPart, ...rest].map((e) => e.data.cursor)
    expect(seen).toEqual(after.map((e) => e.cursor))
    expect(before.length).toBeLessThan(after.length)
    expect(
      [...firstPart, ...rest].every(
        (e) => e.data.owner === 'bob' && e.id === String(e.data.cursor),
      ),
    ).toBe(true)
  })

  it('SSE: a burst larger than the stream holds (2,000 events at once) reaches a slow client whole, in order', async () => {
    const start = (await t.ph.events.read({ after: 0, limit: 1000 })).nextCursor
    const reading = readEvents(t.admin, 2002, String(start), 50)
    await new Promise((r) => setTimeout(r, 100))
    // One commit of 2,000 events: more than the 1,000 the server's stream queues for the client.
    const sent = await t.ph.messages.sendMany(
      Array.from({ length: 1000 }, (_, i) => ({
        identifier: `b${i}`,
        from: 'alice',
        to: ['bob'],
        content: { i },
      })),
    )
    expect(sent.created).toBe(1000)
    await send(1)
    const got = await reading
    const stored: number[] = []
    for (let after = start; ; ) {
      const page = await t.ph.events.read({ after, limit: 1000 })
      stored.push(...page.items.map((e) => e.cursor))
      if (page.items.length < 1000) break
      after = page.nextCursor
    }
    expect(stored).toHaveLength(2002)
    expect(got.map((e) => e.data.cursor)).toEqual(stored)
    expect(got.every((e) => e.id === String(e.data.cursor))).toBe(true)
  })

  it('SSE also live, and with Accept: text/event-stream on /events', async () => {
    const start = (await t.ph.events.read({ after: 0, limit: 1000 })).nextCursor
    const reading = readEvents(t.admin, 2, String(start))
    await new Promise((r) => setTimeout(r, 100))
    await send(1)
    const got = await reading
    expect(got.map((e) => e.event)).toEqual(['message.sent', 'message.received'])
    const res = await fetch(`${t.server.url}/events?after=${start}`, {
      headers: { authorization: `Bearer ${t.admin}`, accept: 'text/event-stream' },
    })
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    await res.body?.cancel()
    expect(
      (await t.call('GET', '/events/stream', { headers: { 'last-event-id': '999999' } })).status,
    ).toBe(400)
  })
})

describe('REST: OpenAPI document and docs page', () => {
  it('serves a valid OpenAPI 3.1 document', async () => {
    const res = await t.call('GET', '/openapi.json', { key: null })
    expect(res.status).toBe(200)
    const result = await new Validator().validate(res.body)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(res.body.openapi).toBe('3.1.0')
    const send = res.body.paths['/messages'].post
    expect(send.requestBody.content['application/json'].schema.properties.to).toBeDefined()
  })

  it('the docs page lists every route of the document', async () => {
    const doc = (await t.call('GET', '/openapi.json', { key: null })).body
    const page = await t.call('GET', '/docs', { key: null })
    expect(page.status).toBe(200)
    expect(page.body).not.toMatch(/<script/)
    let count = 0
    for (const [path, ops] of Object.entries(doc.paths as Record<string, object>)) {
      for (const method of Object.keys(ops)) {
        count++
        expect(page.body).toContain(
          `<td><code>${method.toUpperCase()}</code></td><td><code>${path}</code></td>`,
        )
      }
    }
    expect(count).toBeGreaterThanOrEqual(44)
  })
})
