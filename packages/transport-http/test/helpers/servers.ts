import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import type { Delivery, DeliveryAck, DeliveryReceiver } from '@pigeonhole/core'
import { Hono } from 'hono'
import { type HttpTransport, httpTransport } from '../../src/index.js'
import type { HttpTransportOptions } from '../../src/options.js'

/** A secret long enough for the options check. */
export const secret = 'a-test-secret-that-is-long-enough-0123456789'

export interface Served {
  url: string
  close(): Promise<void>
}

/** A real HTTP server on 127.0.0.1, a free port, answering with `app` (a tiny Hono peer). */
export async function serveApp(app: Hono): Promise<Served> {
  const server = createAdaptorServer({ fetch: app.fetch })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        if ('closeAllConnections' in server) server.closeAllConnections()
      }),
  }
}

/** A tiny peer answering every POST to the deliveries endpoint with `answer`. */
export function tinyPeer(answer: (c: import('hono').Context) => Response | Promise<Response>) {
  const app = new Hono()
  app.post('/peer/v1/deliveries', answer)
  return serveApp(app)
}

/** A port that refuses connections: a server bound, then closed. */
export async function closedPort(): Promise<string> {
  const served = await serveApp(new Hono())
  await served.close()
  return served.url
}

/** Records every batch it receives and acks each delivery `accepted`. */
export function recordingReceiver(): DeliveryReceiver & {
  calls: { from: string; batch: Delivery[] }[]
} {
  const calls: { from: string; batch: Delivery[] }[] = []
  const receiver = async (from: string, batch: readonly Delivery[]): Promise<DeliveryAck[]> => {
    calls.push({ from, batch: [...batch] })
    return batch.map((d) => ({ id: d.id, status: 'accepted' as const }))
  }
  return Object.assign(receiver, { calls })
}

/** Transports built by `transport()`, stopped after each test by `stopAll()`. */
const started: HttpTransport[] = []

/** A transport on 127.0.0.1, a free port; `peers` a function so peers can be added later. */
export function transport(
  peerId: string,
  peers: { [id: string]: string | HttpTransport } = {},
  extra: Partial<HttpTransportOptions> = {},
): HttpTransport {
  const t = httpTransport({
    peerId,
    listen: { port: 0 },
    peers: (id) => {
      const p = Object.hasOwn(peers, id) ? peers[id] : undefined
      return typeof p === 'string' ? p : p?.url
    },
    secret,
    ...extra,
  })
  started.push(t)
  return t
}

export async function stopAll(): Promise<void> {
  await Promise.all(started.splice(0).map((t) => t.stop()))
}

export const message = (id: string, text = 'hello'): Delivery => ({
  kind: 'message',
  id,
  message: {
    id: `msg_${id}`,
    from: 'alice@a',
    to: ['bob'],
    for: ['bob'],
    content: { text },
    attachments: [],
    threadId: null,
    createdAt: 1_700_000_000_000,
  },
})

export const receipt = (id: string): Delivery => ({
  kind: 'receipt',
  id,
  messageId: 'msg_1',
  recipient: 'bob@b',
  status: 'delivered',
  at: 1_700_000_000_000,
})
