import { createHmac } from 'node:crypto'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { httpTransport, signRequest, signResponse } from '../src/index.js'
import { message, recordingReceiver, secret, stopAll, transport } from './helpers/servers.js'

afterEach(stopAll)

const path = '/peer/v1/deliveries'
let b: ReturnType<typeof transport>
let atB: ReturnType<typeof recordingReceiver>
let now: number

beforeEach(async () => {
  now = Date.parse('2030-01-01T00:00:00Z')
  b = transport('b', {}, { clock: { now: () => now } })
  atB = recordingReceiver()
  await b.start(atB)
})

const body = (from = 'a') => JSON.stringify({ from, deliveries: [message('d1')] })

interface Raw {
  from?: string
  to?: string
  timestamp?: number
  body?: string
  signedBody?: string
  key?: string
  headers?: Record<string, string>
}

/** A request built by hand and sent with fetch; signed as a peer would unless told otherwise. */
function signed(r: Raw = {}) {
  const text = r.body ?? body(r.from)
  const timestamp = String(r.timestamp ?? now)
  const signature = signRequest(r.key ?? secret, {
    method: 'POST',
    path,
    from: r.from ?? 'a',
    to: r.to ?? 'b',
    timestamp,
    body: Buffer.from(r.signedBody ?? text),
  })
  return {
    headers: {
      'content-type': 'application/json',
      'x-pigeonhole-peer': r.from ?? 'a',
      'x-pigeonhole-timestamp': timestamp,
      'x-pigeonhole-signature': signature,
      ...r.headers,
    },
    body: text,
  }
}

async function send(init: { headers: Record<string, string>; body: string | Uint8Array }) {
  const response = await fetch(b.url + path, { method: 'POST', ...init })
  const json = (await response.json()) as { error: { code: string; message: string } }
  return { status: response.status, headers: response.headers, json }
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code
}

async function refused(init: { headers: Record<string, string>; body: string }, code: string) {
  const answer = await send(init)
  expect(answer.status).toBe(401)
  expect(answer.json.error.code).toBe(code)
  expect(atB.calls).toEqual([])
}

test('a request signed by hand is taken, and its answer is signed for that request', async () => {
  const request = signed()
  const answer = await send(request)
  expect(answer.status).toBe(200)
  expect(answer.json).toEqual({ acks: [{ id: 'd1', status: 'accepted' }] })
  expect(atB.calls).toEqual([{ from: 'a', batch: [message('d1')] }])
  expect(answer.headers.get('x-pigeonhole-peer')).toBe('b')
  expect(answer.headers.get('x-pigeonhole-signature')).toBe(
    signResponse(secret, {
      status: 200,
      requestSignature: request.headers['x-pigeonhole-signature'],
      from: 'b',
      to: 'a',
      body: Buffer.from(JSON.stringify(answer.json)),
    }),
  )
})

test('the signature is HMAC-SHA256 over the documented text and the body bytes', () => {
  const text = body()
  const expected = createHmac('sha256', secret)
    .update(`pigeonhole-peer-v1 request\nPOST\n${path}\na\nb\n1700000000000\n${text}`)
    .digest('base64url')
  const signature = signRequest(secret, {
    method: 'POST',
    path,
    from: 'a',
    to: 'b',
    timestamp: '1700000000000',
    body: Buffer.from(text),
  })
  expect(signature).toBe(`v1=${expected}`)
})

test('unsigned: 401, the receiver is not called', async () => {
  await refused({ headers: { 'content-type': 'application/json' }, body: body() }, 'unsigned')
  // Any one header missing is unsigned too.
  for (const missing of ['x-pigeonhole-peer', 'x-pigeonhole-timestamp', 'x-pigeonhole-signature']) {
    const request = signed()
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => name !== missing),
    )
    await refused({ headers, body: request.body }, 'unsigned')
  }
})

test('a bad signature: 401 (wrong secret, malformed, another path, another peer)', async () => {
  await refused(signed({ key: `${secret}-not-it` }), 'bad_signature')
  await refused(
    signed({ headers: { 'x-pigeonhole-signature': 'v1=not-a-signature' } }),
    'bad_signature',
  )
  await refused(signed({ headers: { 'x-pigeonhole-signature': 'v2=abc' } }), 'bad_signature')
  // Signed for peer c (sharing the secret): not valid at b.
  await refused(signed({ to: 'c' }), 'bad_signature')
  // The peer header changed after signing.
  const request = signed()
  await refused(
    { ...request, headers: { ...request.headers, 'x-pigeonhole-peer': 'c' } },
    'bad_signature',
  )
  // A signature over another path.
  const other = signRequest(secret, {
    method: 'POST',
    path: '/peer/v1/other',
    from: 'a',
    to: 'b',
    timestamp: String(now),
    body: Buffer.from(body()),
  })
  await refused(signed({ headers: { 'x-pigeonhole-signature': other } }), 'bad_signature')
})

test('an altered body: 401', async () => {
  const original = body()
  const altered = original.replace('hello', 'hellO')
  expect(altered).not.toBe(original)
  await refused(signed({ body: altered, signedBody: original }), 'bad_signature')
  // One byte appended (whitespace, still the same JSON).
  await refused(signed({ body: `${original} `, signedBody: original }), 'bad_signature')
})

test('a replayed request: 401 within the window, the receiver called once', async () => {
  const request = signed()
  expect((await send(request)).status).toBe(200)
  const again = await send(request)
  expect(again.status).toBe(401)
  expect(again.json.error.code).toBe('replayed')
  expect(atB.calls).toHaveLength(1)
  // Later, but still in the window: still a replay.
  now += 4 * 60_000
  expect((await send(request)).json.error.code).toBe('replayed')
  // Past the window it is stale (and its signature forgotten).
  now += 2 * 60_000
  expect((await send(request)).json.error.code).toBe('stale')
  expect(atB.calls).toHaveLength(1)
})

test('a stale or future timestamp: 401; within 5 minutes either way: taken', async () => {
  await refused(signed({ timestamp: now - 5 * 60_000 - 1 }), 'stale')
  await refused(signed({ timestamp: now + 5 * 60_000 + 1 }), 'future')
  await refused(signed({ headers: { 'x-pigeonhole-timestamp': 'yesterday' } }), 'bad_signature')
  expect((await send(signed({ timestamp: now - 5 * 60_000 }))).status).toBe(200)
  expect((await send(signed({ timestamp: now + 5 * 60_000 }))).status).toBe(200)
  expect(atB.calls).toHaveLength(2)
})

test('the body must say the signing peer: from ≠ X-Pigeonhole-Peer is 401', async () => {
  await refused(signed({ from: 'a', body: body('c') }), 'wrong_peer')
})

test('per-peer secrets: a peer not in the map is 401 unknown_peer', async () => {
  const c = httpTransport({
    peerId: 'c',
    listen: { port: 0 },
    peers: {},
    secret: { a: secret },
    clock: { now: () => now },
  })
  const atC = recordingReceiver()
  await c.start(atC)
  try {
    const request = signed({ from: 'x', to: 'c' })
    const answer = await fetch(`${c.url}${path}`, { method: 'POST', ...request })
    expect(answer.status).toBe(401)
    expect(await errorCode(answer)).toBe('unknown_peer')
    const ok = await fetch(`${c.url}${path}`, { method: 'POST', ...signed({ to: 'c' }) })
    expect(ok.status).toBe(200)
    expect(atC.calls).toHaveLength(1)
  } finally {
    await c.stop()
  }
})

test('a signed body that is not a valid batch: 400, the receiver not called', async () => {
  for (const text of ['{not json', JSON.stringify({ from: 'a', deliveries: [{ kind: 'x' }] })]) {
    const answer = await send(signed({ body: text }))
    expect(answer.status).toBe(400)
    expect(answer.json.error.code).toBe('invalid_body')
  }
  expect(atB.calls).toEqual([])
})

test('a body over maxBodyBytes: 413 from Content-Length, before the signature is checked', async () => {
  const small = transport('s', {}, { maxBodyBytes: 4096, clock: { now: () => now } })
  const atS = recordingReceiver()
  await small.start(atS)
  const big = JSON.stringify({ from: 'a', deliveries: [message('d1', 'x'.repeat(10_000))] })
  const request = signed({ body: big, to: 's' })
  const answer = await fetch(`${small.url}${path}`, { method: 'POST', ...request })
  expect(answer.status).toBe(413)
  expect(await errorCode(answer)).toBe('too_large')
  // Unsigned too: the size is checked first.
  const unsigned = await fetch(`${small.url}${path}`, { method: 'POST', body: big })
  expect(unsigned.status).toBe(413)
  expect(atS.calls).toEqual([])
  // Just under the limit is taken.
  const fits = JSON.stringify({ from: 'a', deliveries: [message('d2', 'x'.repeat(3000))] })
  expect(Buffer.byteLength(fits)).toBeLessThanOrEqual(4096)
  const ok = await fetch(`${small.url}${path}`, {
    method: 'POST',
    ...signed({ body: fits, to: 's' }),
  })
  expect(ok.status).toBe(200)
})

test('a chunked body (no Content-Length) over maxBodyBytes: 413 while reading', async () => {
  const small = transport('s', {}, { maxBodyBytes: 4096, clock: { now: () => now } })
  const atS = recordingReceiver()
  await small.start(atS)
  const request = signed({ to: 's', body: 'x'.repeat(100_000) })
  let sent = 0
  const chunk = new TextEncoder().encode('x'.repeat(1000))
  // A stream of 1 MB: the server stops reading at 4096 bytes and answers; the rest is
  // discarded as it arrives (@hono/node-server drains at most 64 MiB or 500 ms, then closes).
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= 1_000_000) return controller.close()
      sent += chunk.length
      controller.enqueue(chunk)
    },
  })
  const answer = await fetch(`${small.url}${path}`, {
    method: 'POST',
    headers: request.headers,
    body: stream,
    duplex: 'half',
  } as RequestInit)
  expect(answer.status).toBe(413)
  expect(answer.headers.get('content-length')).not.toBeNull()
  expect(atS.calls).toEqual([])
})

test('when the replay guard is full: 503 with Retry-After, and the sender retries', async () => {
  const tiny = transport('t', {}, { maxRecentSignatures: 1, clock: { now: () => now } })
  const atT = recordingReceiver()
  await tiny.start(atT)
  const first = await fetch(`${tiny.url}${path}`, { method: 'POST', ...signed({ to: 't' }) })
  expect(first.status).toBe(200)
  const second = await fetch(`${tiny.url}${path}`, {
    method: 'POST',
    ...signed({ to: 't', timestamp: now + 1 }),
  })
  expect(second.status).toBe(503)
  expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
  expect(atT.calls).toHaveLength(1)
  // Once the first signature left the window, there is room again.
  now += 5 * 60_000 + 1000
  const third = await fetch(`${tiny.url}${path}`, { method: 'POST', ...signed({ to: 't' }) })
  expect(third.status).toBe(200)
})

test('other paths and methods: 404, the receiver not called', async () => {
  const request = signed()
  const other = await fetch(`${b.url}/peer/v1/other`, { method: 'POST', ...request })
  expect(other.status).toBe(404)
  const get = await fetch(`${b.url}${path}`)
  expect(get.status).toBe(404)
  expect(atB.calls).toEqual([])
})
