import { type Delivery, isPigeonholeError, TransportError } from '@pigeonhole/core'
import { afterEach, expect, test } from 'vitest'
import { httpTransport } from '../src/index.js'
import {
  closedPort,
  message,
  receipt,
  recordingReceiver,
  secret,
  stopAll,
  tinyPeer,
  transport,
} from './helpers/servers.js'

afterEach(stopAll)

/** The TransportError `work` rejects with (fails the test if it resolves or throws another). */
async function transportError(work: Promise<unknown>): Promise<TransportError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(TransportError)
  return error as TransportError
}

/** Two started transports, `a` and `b`, each knowing the other. */
async function pair(extraB = {}) {
  const peers = {} as Record<string, ReturnType<typeof transport>>
  const a = transport('a', peers)
  const b = transport('b', peers, extraB)
  peers.a = a
  peers.b = b
  const atA = recordingReceiver()
  const atB = recordingReceiver()
  await a.start(atA)
  await b.start(atB)
  return { a, b, atA, atB }
}

test("deliver reaches the other transport's receiver and returns its acks", async () => {
  const { a, b, atA, atB } = await pair()
  const batch: Delivery[] = [message('d1'), receipt('d2'), message('d3', 'second')]
  const acks = await a.deliver('b', batch)
  expect(acks).toEqual([
    { id: 'd1', status: 'accepted' },
    { id: 'd2', status: 'accepted' },
    { id: 'd3', status: 'accepted' },
  ])
  expect(atB.calls).toEqual([{ from: 'a', batch }])
  expect(atA.calls).toEqual([])
  // And back the other way.
  expect(await b.deliver('a', [receipt('r1')])).toEqual([{ id: 'r1', status: 'accepted' }])
  expect(atA.calls).toEqual([{ from: 'b', batch: [receipt('r1')] }])
})

test('acks come back as the receiver gave them: duplicate, refused with code and details', async () => {
  const b = transport('b')
  await b.start(async (_from, batch) => [
    { id: batch[0]!.id, status: 'duplicate' },
    {
      id: batch[1]!.id,
      status: 'refused',
      code: 'consent_required',
      message: 'bob takes messages from contacts only',
      details: { recipient: 'bob', nested: { list: [1, 'two', null] } },
    },
  ])
  const a = transport('a', { b: b.url })
  const acks = await a.deliver('b', [message('d1'), message('d2')])
  expect(acks).toEqual([
    { id: 'd1', status: 'duplicate' },
    {
      id: 'd2',
      status: 'refused',
      code: 'consent_required',
      message: 'bob takes messages from contacts only',
      details: { recipient: 'bob', nested: { list: [1, 'two', null] } },
    },
  ])
})

test('a batch with attachments arrives byte for byte', async () => {
  const { a, atB } = await pair()
  const chunk = Buffer.alloc(200_000, 7).toString('base64url')
  const withFile = {
    kind: 'message' as const,
    id: 'f1',
    message: {
      id: 'msg_f1',
      from: 'alice@a',
      to: ['bob', 'carol@c'],
      for: ['bob'],
      content: { subject: 'a file', text: 'see attached', '@type': undefined },
      attachments: [
        {
          id: 'fil_1',
          name: 'report.pdf',
          mimeType: 'application/pdf',
          size: 200_000,
          sha256: 'ab'.repeat(32),
          key: 'k'.repeat(43),
          header: 'h'.repeat(40),
          chunks: [chunk, chunk],
          expiresAt: null,
        },
      ],
      threadId: 'thr_1',
      createdAt: 1,
    },
  }
  await a.deliver('b', [withFile])
  // JSON has no undefined: the field is left out on the wire.
  const { '@type': _, ...content } = withFile.message.content
  expect(Object.keys(content)).toEqual(['subject', 'text'])
  expect(atB.calls[0]!.batch[0]).toStrictEqual({
    ...withFile,
    message: { ...withFile.message, content },
  })
})

test('an empty batch makes no request', async () => {
  const a = transport('a', { b: await closedPort() })
  expect(await a.deliver('b', [])).toEqual([])
})

test('a receiver that throws: a retryable error at the sender (500)', async () => {
  const b = transport('b')
  await b.start(async () => {
    throw new Error('disk full')
  })
  const a = transport('a', { b: b.url })
  const error = await transportError(a.deliver('b', [message('d1')]))
  expect(error).toMatchObject({ retryable: true, status: 500 })
  expect(error.message).toContain('receiving engine failed')
  // The receiver's own error stays at the receiver.
  expect(error.message).not.toContain('disk full')
})

test('a receiver answering the wrong number of acks: retryable (500)', async () => {
  const b = transport('b')
  await b.start(async () => [])
  const a = transport('a', { b: b.url })
  const error = await transportError(a.deliver('b', [message('d1')]))
  expect(error).toMatchObject({ retryable: true, status: 500 })
})

test('an unknown peer is not retryable, and nothing is sent', async () => {
  const a = transport('a', {})
  const error = await transportError(a.deliver('nobody', [message('d1')]))
  expect(error).toMatchObject({ retryable: false, status: undefined })
  expect(error.message).toContain('unknown peer "nobody"')
})

test('per-peer secrets: a peer without a secret is unknown', async () => {
  const b = httpTransport({
    peerId: 'b',
    listen: { port: 0 },
    peers: {},
    secret: { a: secret },
  })
  const atB = recordingReceiver()
  await b.start(atB)
  try {
    const a = httpTransport({
      peerId: 'a',
      listen: { port: 0 },
      peers: { b: b.url, c: 'http://127.0.0.1:1' },
      secret: { b: secret },
    })
    expect(await a.deliver('b', [message('d1')])).toEqual([{ id: 'd1', status: 'accepted' }])
    const error = await transportError(a.deliver('c', [message('d1')]))
    expect(error).toMatchObject({ retryable: false })
    expect(error.message).toContain('no secret')
    // A sender with another peer's secret for itself is refused: 401, not retried.
    const impostor = httpTransport({
      peerId: 'x',
      listen: { port: 0 },
      peers: { b: b.url },
      secret: { b: secret },
    })
    const refused = await transportError(impostor.deliver('b', [message('d2')]))
    expect(refused).toMatchObject({ retryable: false, status: 401 })
    expect(atB.calls.map((c) => c.from)).toEqual(['a'])
  } finally {
    await b.stop()
  }
})

test('different secrets: 401, not retryable, the receiver is not called', async () => {
  const b = transport('b')
  const atB = recordingReceiver()
  await b.start(atB)
  const a = transport('a', { b: b.url }, { secret: `${secret}-other` })
  const error = await transportError(a.deliver('b', [message('d1')]))
  expect(error).toMatchObject({ retryable: false, status: 401 })
  expect(error.message).toContain('signature does not match')
  expect(atB.calls).toEqual([])
})

test('429 with Retry-After: 2 → retryable, retryAfterMs 2000', async () => {
  const peer = await tinyPeer((c) =>
    c.json({ error: { code: 'rate_limited', message: 'slow down' } }, 429, { 'Retry-After': '2' }),
  )
  try {
    const a = transport('a', { b: peer.url })
    const error = await transportError(a.deliver('b', [message('d1')]))
    expect(error).toMatchObject({ retryable: true, status: 429, retryAfterMs: 2000 })
    expect(error.message).toContain('slow down')
  } finally {
    await peer.close()
  }
})

test('503 with Retry-After as an HTTP date → retryAfterMs from the injected clock', async () => {
  const now = Date.parse('2030-01-01T00:00:00Z')
  const peer = await tinyPeer((c) =>
    c.text('busy', 503, { 'Retry-After': 'Tue, 01 Jan 2030 00:00:30 GMT' }),
  )
  try {
    const a = transport('a', { b: peer.url }, { clock: { now: () => now } })
    const error = await transportError(a.deliver('b', [message('d1')]))
    expect(error).toMatchObject({ retryable: true, status: 503, retryAfterMs: 30_000 })
  } finally {
    await peer.close()
  }
})

test('429 and 503 without Retry-After: retryable, no retryAfterMs', async () => {
  for (const status of [429, 503] as const) {
    const peer = await tinyPeer((c) => c.text('no', status))
    try {
      const a = transport('a', { b: peer.url })
      const error = await transportError(a.deliver('b', [message('d1')]))
      expect(error).toMatchObject({ retryable: true, status, retryAfterMs: undefined })
    } finally {
      await peer.close()
    }
  }
})

test('statuses: 5xx and 408 retryable; 400, 401, 403, 404, 413 and 3xx not', async () => {
  const cases: [number, boolean][] = [
    [500, true],
    [502, true],
    [504, true],
    [408, true],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [413, false],
    [302, false],
  ]
  for (const [status, retryable] of cases) {
    const peer = await tinyPeer(
      () => new Response(null, { status, headers: status === 302 ? { location: '/x' } : {} }),
    )
    try {
      const a = transport('a', { b: peer.url })
      const error = await transportError(a.deliver('b', [message('d1')]))
      expect({ status: error.status, retryable: error.retryable }).toEqual({ status, retryable })
    } finally {
      await peer.close()
    }
  }
})

test('a 200 that is not a valid signed answer is retryable', async () => {
  const acks = { acks: [{ id: 'd1', status: 'accepted' }] }
  const answers: [string, (c: import('hono').Context) => Response][] = [
    ['not signed', (c) => c.json(acks)],
    [
      'not signed by the peer',
      (c) =>
        c.json(acks, 200, {
          'x-pigeonhole-peer': 'b',
          'x-pigeonhole-signature': `v1=${'A'.repeat(43)}`,
        }),
    ],
  ]
  for (const [why, answer] of answers) {
    const peer = await tinyPeer(answer)
    try {
      const a = transport('a', { b: peer.url })
      const error = await transportError(a.deliver('b', [message('d1')]))
      expect(error).toMatchObject({ retryable: true, status: 200 })
      expect(error.message).toContain(why)
    } finally {
      await peer.close()
    }
  }
})

test('stop, then deliver: a TransportError; the stopped transport takes no deliveries', async () => {
  const { a, b, atB } = await pair()
  const bUrl = b.url
  await b.stop()
  const down = await transportError(a.deliver('b', [message('d1')]))
  expect(down.retryable).toBe(true)
  await a.stop()
  const stopped = await transportError(a.deliver('b', [message('d2')]))
  expect(stopped).toMatchObject({ retryable: true })
  expect(stopped.message).toContain('stopped')
  expect(atB.calls).toEqual([])
  expect(bUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
})

test('a peer down (connection refused) is retryable', async () => {
  const a = transport('a', { b: await closedPort() })
  const error = await transportError(a.deliver('b', [message('d1')]))
  expect(error).toMatchObject({ retryable: true, status: undefined })
})

test('a peer that does not answer in timeoutMs: retryable timeout', async () => {
  let release!: () => void
  const held = new Promise<void>((resolve) => {
    release = resolve
  })
  const b = transport('b')
  const atB = recordingReceiver()
  await b.start(async (from, batch) => {
    await held
    return atB(from, batch)
  })
  const a = transport('a', { b: b.url }, { timeoutMs: 200 })
  const started = performance.now()
  const error = await transportError(a.deliver('b', [message('d1')]))
  expect(error).toMatchObject({ retryable: true })
  expect(error.message).toContain('no answer within 200 ms')
  expect(performance.now() - started).toBeGreaterThanOrEqual(190)
  release()
})

test('stop fails the deliveries in flight and waits for the receiver calls in progress', async () => {
  let release!: () => void
  const held = new Promise<void>((resolve) => {
    release = resolve
  })
  let entered!: () => void
  const inReceiver = new Promise<void>((resolve) => {
    entered = resolve
  })
  let finished = false
  const b = transport('b')
  await b.start(async (_from, batch) => {
    entered()
    await held
    finished = true
    return batch.map((d) => ({ id: d.id, status: 'accepted' as const }))
  })
  const a = transport('a', { b: b.url })
  const inFlight = transportError(a.deliver('b', [message('d1')]))
  await inReceiver
  // The sender stops: its delivery fails at once, as retryable.
  await a.stop()
  const error = await inFlight
  expect(error).toMatchObject({ retryable: true })
  expect(error.message).toContain('stopped')
  // The receiver stops: it waits for the receiver call in progress.
  const stopping = b.stop()
  let stopped = false
  void stopping.then(() => {
    stopped = true
  })
  await new Promise((r) => setTimeout(r, 50))
  expect(stopped).toBe(false)
  release()
  await stopping
  expect(finished).toBe(true)
})

test('start again after stop; address() and url give the bound port', async () => {
  const b = transport('b')
  expect(() => b.url).toThrow(/not started/)
  await b.start(recordingReceiver())
  const { host, port } = b.address()
  expect(host).toBe('127.0.0.1')
  expect(port).toBeGreaterThan(0)
  expect(b.url).toBe(`http://127.0.0.1:${port}`)
  await expect(b.start(recordingReceiver())).rejects.toThrow(/already started/)
  await b.stop()
  const atB = recordingReceiver()
  await b.start(atB)
  const a = transport('a', { b })
  expect(await a.deliver('b', [message('d1')])).toEqual([{ id: 'd1', status: 'accepted' }])
  expect(atB.calls).toHaveLength(1)
})

test('start rejects when the port is taken', async () => {
  const b = transport('b')
  await b.start(recordingReceiver())
  const clash = httpTransport({
    peerId: 'c',
    listen: { port: b.address().port },
    peers: {},
    secret,
  })
  await expect(clash.start(recordingReceiver())).rejects.toThrow(/EADDRINUSE/)
})

test('options are checked: unknown keys, short secrets, bad URLs, bad peer ids', () => {
  const base = { peerId: 'a', listen: { port: 0 }, peers: {}, secret }
  const refused = (options: unknown, text: RegExp) => {
    let error: unknown
    try {
      httpTransport(options as never)
    } catch (e) {
      error = e
    }
    expect(isPigeonholeError(error) && error.code).toBe('invalid_input')
    expect((error as Error).message).toMatch(text)
  }
  refused({ ...base, timeoutMS: 5 }, /did you mean "timeoutMs"/)
  refused({ ...base, secret: 'short' }, /at least 32 characters/)
  refused({ ...base, secret: { b: 'short' } }, /secret/)
  refused({ ...base, peers: { b: 'ftp://x' } }, /http\(s\) URL/)
  refused({ ...base, peerId: 'a@b' }, /peer id/)
  refused({ ...base, listen: { port: 70_000 } }, /port/)
  refused({ ...base, maxBodyBytes: 10 }, /maxBodyBytes/)
})

test('stop is idempotent (twice at once, or before start); start waits for a stop under way', async () => {
  const never = transport('n')
  await never.stop()
  await transportError(never.deliver('b', [message('d1')]))
  const b = transport('b')
  await b.start(recordingReceiver())
  await Promise.all([b.stop(), b.stop()])
  const stopping = b.stop()
  await b.start(recordingReceiver())
  await stopping
  const a = transport('a', { b })
  expect(await a.deliver('b', [message('d1')])).toEqual([{ id: 'd1', status: 'accepted' }])
})

test('many deliveries at once: all acked, no listener warning', async () => {
  const warnings: Error[] = []
  const onWarning = (w: Error) => warnings.push(w)
  process.on('warning', onWarning)
  try {
    const { a, atB } = await pair()
    const acks = await Promise.all(
      Array.from({ length: 50 }, (_, i) => a.deliver('b', [message(`d${i}`)])),
    )
    expect(acks.map((x) => x[0]!.id)).toEqual(Array.from({ length: 50 }, (_, i) => `d${i}`))
    expect(atB.calls).toHaveLength(50)
    await new Promise((r) => setImmediate(r))
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([])
  } finally {
    process.off('warning', onWarning)
  }
})
