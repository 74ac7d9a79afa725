import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Pigeonhole, PigeonholeEvent } from '@pigeonhole/core'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { HttpPeers, waitFor } from './helpers/engines.js'
import { testProxy } from './helpers/proxy.js'

// Faults between two engines over real HTTP (SQLite files, httpTransport on 127.0.0.1): a
// proxy in front of b drops answers after b committed, takes b down and up; a front answering
// 429 with Retry-After; a peer whose body limit is below a batch (413).

let net: HttpPeers
const closers: (() => Promise<void>)[] = []

beforeEach(() => {
  net = new HttpPeers()
})
afterEach(async () => {
  await net.close()
  for (const close of closers.splice(0)) await close()
})

async function proxyInFrontOf(
  id: string,
  options: { dropResponses?: number | ((n: number) => boolean); seed?: number },
) {
  const proxy = await testProxy({ target: net.url(id)!, ...options })
  closers.push(() => proxy.close())
  net.routes.set(id, proxy.url)
  return proxy
}

/** `n` messages from alice to bob@b, sent 100 per `sendMany` (one transaction each). */
async function sendMessages(
  a: Pigeonhole,
  n: number,
  content: (i: number) => { [key: string]: string | number } = (i) => ({ i }),
) {
  const ids: string[] = []
  for (let start = 0; start < n; start += 100) {
    const items = []
    for (let i = start; i < Math.min(n, start + 100); i++) {
      items.push({ identifier: String(i), from: 'alice', to: ['bob@b'], content: content(i) })
    }
    const result = await a.messages.sendMany(items)
    expect(result.failed).toBe(0)
    for (const item of result.items) ids.push(item.message!.id)
  }
  return ids
}

async function inboxIds(ph: Pigeonhole, owner = 'bob') {
  const ids: string[] = []
  let cursor: string | undefined
  do {
    const page = await ph.messages.list({
      owner,
      order: 'oldest',
      limit: 1000,
      ...(cursor && { cursor }),
    })
    ids.push(...page.items.map((i) => i.message.id))
    cursor = page.nextCursor ?? undefined
  } while (cursor)
  return ids
}

async function statuses(ph: Pigeonhole, ids: readonly string[]) {
  const count: Record<string, number> = {}
  for (const id of ids) {
    for (const r of await ph.messages.receipts({ owner: 'alice', id })) {
      const status = r.status ?? 'none'
      count[status] = (count[status] ?? 0) + 1
    }
  }
  return count
}

async function alicePlusBob(
  options: { a?: Parameters<HttpPeers['open']>[1]; b?: Parameters<HttpPeers['open']>[1] } = {},
) {
  const a = await net.open('a', options.a)
  const b = await net.open('b', options.b)
  await a.ph.accounts.register({ address: 'alice' })
  await b.ph.accounts.register({ address: 'bob' })
  return { a: a.ph, b: b.ph }
}

test('a proxy in front of b drops 30% of the answers after b committed: 1,000 sends, 0 lost, 0 duplicated, receipts agree', async () => {
  const { a, b } = await alicePlusBob()
  const proxy = await proxyInFrontOf('b', { dropResponses: 0.3, seed: 13 })
  const ids = await sendMessages(a, 1000)
  await net.settle(60_000)
  // Answers were dropped, so batches b had committed were sent again.
  expect(proxy.stats.dropped).toBeGreaterThan(0)
  expect(proxy.stats.requests).toBe(proxy.stats.relayed + proxy.stats.dropped)
  const got = await inboxIds(b)
  expect(got).toHaveLength(1000)
  expect(new Set(got).size).toBe(1000)
  expect(got).toEqual(ids)
  expect((await b.boxes.counts('bob')).inbox).toMatchObject({ total: 1000, unread: 1000 })
  expect(await statuses(a, ids)).toEqual({ delivered: 1000 })
  expect(await a.verify()).toEqual([])
  expect(await b.verify()).toEqual([])
})

test('b down, then back up: everything sent meanwhile arrives after recovery, in order', async () => {
  const { a, b } = await alicePlusBob()
  const proxy = await proxyInFrontOf('b', {})
  const first = await sendMessages(a, 10)
  await net.settle()
  await proxy.down()
  const during = await sendMessages(a, 200)
  // Retries fail (connection refused) while b is down; nothing arrives, nothing is lost.
  await new Promise((r) => setTimeout(r, 400))
  expect(await inboxIds(b)).toEqual(first)
  expect(await statuses(a, during)).toEqual({ pending: 200 })
  await proxy.up()
  await net.settle()
  expect(await inboxIds(b)).toEqual([...first, ...during])
  expect(await statuses(a, [...first, ...during])).toEqual({ delivered: 210 })
  expect(await b.verify()).toEqual([])
})

/**
 * A front for b: the first `refusals` requests get 429 with `Retry-After: 2`; the others go on
 * to b byte for byte (signatures hold) and b's answer comes back. Notes when each arrived.
 */
async function rateLimitingFront(target: string, refusals: number) {
  const arrivals: number[] = []
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    arrivals.push(Date.now())
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    if (arrivals.length <= refusals) {
      res.writeHead(429, { 'retry-after': '2', 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { code: 'rate_limited', message: 'slow down' } }))
      return
    }
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(req.headers)) {
      if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v
    }
    const answer = await fetch(target + (req.url ?? '/'), {
      method: 'POST',
      headers,
      body: Buffer.concat(chunks),
    })
    const out: Record<string, string> = {}
    answer.headers.forEach((v, k) => {
      if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') out[k] = v
    })
    res.writeHead(answer.status, out)
    res.end(Buffer.from(await answer.arrayBuffer()))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  )
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrivals }
}

test("a peer answering 429 with Retry-After: 2 gets no retry before 2 s of the engine's clock", async () => {
  // a's engine clock is ours: it moves only when told. The worker polls every 10 ms (real
  // time), so a retry that is due would go at once; Retry-After is the only thing holding it.
  let now = Date.now()
  const clock = { now: () => now }
  const { a, b } = await alicePlusBob({ a: { clock, delivery: { pollIntervalMs: 10 } } })
  const front = await rateLimitingFront(net.url('b')!, 2)
  net.routes.set('b', front.url)
  const m = await a.messages.send({ from: 'alice', to: ['bob@b'], content: {} })
  for (let refused = 1; refused <= 2; refused++) {
    await waitFor(() => front.arrivals.length === refused)
    // Real time passes (far more than a retry's backoff); the engine's clock does not.
    await new Promise((r) => setTimeout(r, 150))
    now += 1999
    await new Promise((r) => setTimeout(r, 150))
    expect(front.arrivals).toHaveLength(refused)
    now += 1
  }
  await waitFor(() => front.arrivals.length === 3)
  await net.settle()
  expect(await inboxIds(b)).toEqual([m.id])
  expect(await statuses(a, [m.id])).toEqual({ delivered: 1 })
})

test('a peer answering 429 with Retry-After: 2, on the real clock: the retry comes 2 s later, not before', async () => {
  const { a, b } = await alicePlusBob({ a: { delivery: { pollIntervalMs: 10 } } })
  const front = await rateLimitingFront(net.url('b')!, 1)
  net.routes.set('b', front.url)
  const m = await a.messages.send({ from: 'alice', to: ['bob@b'], content: {} })
  await waitFor(() => front.arrivals.length === 2, 10_000)
  const gap = front.arrivals[1]! - front.arrivals[0]!
  expect(gap).toBeGreaterThanOrEqual(2000)
  // Bounded: the retry follows Retry-After closely (the jitter cap here is 50 ms).
  expect(gap).toBeLessThan(3000)
  await net.settle()
  expect(await inboxIds(b)).toEqual([m.id])
})

test("a batch over the peer's body limit (413) is not lost: the deliveries go in smaller batches; only a delivery too large alone fails", async () => {
  const { a, b } = await alicePlusBob({ b: { transport: { maxBodyBytes: 64 * 1024 } } })
  const events: PigeonholeEvent[] = []
  const s = a.events$.subscribe((e) => events.push(e))
  try {
    // 40 messages of ~6 KB: one batch of 40 is ~240 KB, over b's 64 KiB.
    const text = (i: number) => ({ text: `${i}:`.padEnd(6000, 'x') })
    const ids = await sendMessages(a, 40, text)
    await net.settle()
    expect(await inboxIds(b)).toEqual(ids)
    expect(await statuses(a, ids)).toEqual({ delivered: 40 })
    expect(events.filter((e) => e.type === 'delivery.failed')).toEqual([])
    // One message larger than the limit on its own: that one fails for good (too_large,
    // delivery.failed); the messages around it still arrive, in order.
    const before = await sendMessages(a, 5, text)
    const huge = await a.messages.send({
      from: 'alice',
      to: ['bob@b'],
      content: { text: 'y'.repeat(80_000) },
    })
    const after = await sendMessages(a, 5, text)
    await net.settle()
    expect(await inboxIds(b)).toEqual([...ids, ...before, ...after])
    expect(await a.messages.receipts({ owner: 'alice', id: huge.id })).toEqual([
      expect.objectContaining({ recipient: 'bob@b', status: 'failed', code: 'too_large' }),
    ])
    expect(events.filter((e) => e.type === 'delivery.failed')).toEqual([
      expect.objectContaining({
        messageId: huge.id,
        data: expect.objectContaining({ recipient: 'bob@b', code: 'too_large' }),
      }),
    ])
    expect(await statuses(a, [...before, ...after])).toEqual({ delivered: 10 })
  } finally {
    s.unsubscribe()
  }
})

test("a message whose attachment is over the peer's body limit fails alone (file_too_large); the one after it arrives with its file", async () => {
  const { a, b } = await alicePlusBob({ b: { transport: { maxBodyBytes: 64 * 1024 } } })
  const upload = (size: number) =>
    a.files.upload({
      owner: 'alice',
      name: `${size}.bin`,
      mimeType: 'application/octet-stream',
      data: new Uint8Array(size).fill(7),
    })
  const big = await upload(200_000)
  const small = await upload(10_000)
  const m1 = await a.messages.send({
    from: 'alice',
    to: ['bob@b'],
    content: {},
    attachments: [big.id],
  })
  const m2 = await a.messages.send({
    from: 'alice',
    to: ['bob@b'],
    content: {},
    attachments: [small.id],
  })
  await net.settle()
  expect(await a.messages.receipts({ owner: 'alice', id: m1.id })).toEqual([
    expect.objectContaining({ status: 'failed', code: 'file_too_large' }),
  ])
  expect(await inboxIds(b)).toEqual([m2.id])
  expect(await b.files.downloadBytes({ owner: 'bob', id: small.id })).toEqual(
    new Uint8Array(10_000).fill(7),
  )
})

test('attachments through a proxy dropping every other answer: each file stored once, downloads match', async () => {
  const { a, b } = await alicePlusBob()
  const proxy = await proxyInFrontOf('b', { dropResponses: (n) => n % 2 === 0 })
  const sent: { id: string; file: string; data: Uint8Array }[] = []
  for (let i = 0; i < 10; i++) {
    const data = new Uint8Array(20_000 + i).map((_, j) => (j + i) % 256)
    const f = await a.files.upload({
      owner: 'alice',
      name: `f${i}.bin`,
      mimeType: 'application/octet-stream',
      data,
    })
    const m = await a.messages.send({
      from: 'alice',
      to: ['bob@b'],
      content: { i },
      attachments: [f.id],
    })
    sent.push({ id: m.id, file: f.id, data })
  }
  await net.settle()
  expect(proxy.stats.dropped).toBeGreaterThan(0)
  expect(await inboxIds(b)).toEqual(sent.map((s) => s.id))
  for (const s of sent) {
    expect(await b.files.downloadBytes({ owner: 'bob', id: s.file })).toEqual(s.data)
  }
  expect(
    await statuses(
      a,
      sent.map((s) => s.id),
    ),
  ).toEqual({ delivered: 10 })
  expect(await b.verify()).toEqual([])
})
