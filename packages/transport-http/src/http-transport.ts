import { setMaxListeners } from 'node:events'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import {
  type Delivery,
  type DeliveryAck,
  type DeliveryReceiver,
  type Transport,
  TransportError,
} from '@pigeonhole/core'
import { type HttpTransportOptions, resolveOptions } from './options.js'
import { deliverTo } from './peer/client.js'
import { peerApp } from './peer/endpoint.js'
import { ReplayGuard } from './peer/signing.js'

/** An HTTP transport: a `Transport`, plus where it listens once started. */
export interface HttpTransport extends Transport {
  /** The host and port it listens on; the bound port when `listen.port` was 0. After start. */
  address(): { host: string; port: number }
  /** Its base URL, `http://<host>:<port>`, for the other peers' `peers`. After start. */
  readonly url: string
}

type Server = ReturnType<typeof createAdaptorServer>

/**
 * The transport between engines in separate processes: `start` serves
 * `POST /peer/v1/deliveries` on `listen`; `deliver` posts to the peer's URL. Every request and
 * every acknowledging answer is signed (HMAC-SHA256 with the shared secret, see the README).
 */
export function httpTransport(options: HttpTransportOptions): HttpTransport {
  const o = resolveOptions(options)
  // Kept across restarts: a request seen before a stop is still a replay after a start.
  const replay = new ReplayGuard(o.replayWindowMs, o.maxRecentSignatures)
  let server: Server | undefined
  let bound: { host: string; port: number } | undefined
  let stopped = false
  let stopping = false
  let starting = false
  // Aborted by stop: deliveries in flight, and request bodies still being read.
  let lifetime = newLifetime()
  const receiving = new Set<Promise<unknown>>()

  let stopPromise: Promise<void> | undefined

  /** Stops sending and taking deliveries; resolves once no receiver call is in progress. */
  const stopNow = async (): Promise<void> => {
    if (stopped) return
    stopping = true
    lifetime.abort(new Error('the transport stopped'))
    const s = server
    server = undefined
    if (s) {
      const closed = new Promise<void>((resolve) => s.close(() => resolve()))
      if ('closeIdleConnections' in s) s.closeIdleConnections()
      // Receiver calls in progress finish and answer; then every connection is closed.
      await Promise.allSettled([...receiving])
      if ('closeAllConnections' in s) s.closeAllConnections()
      await closed
    }
    stopped = true
  }

  /** A new server for `receiver`, listening; a new lifetime for what it starts. */
  const listen = async (receiver: DeliveryReceiver): Promise<Server> => {
    stopped = false
    stopping = false
    lifetime = newLifetime()
    const app = peerApp({
      options: o,
      receiver,
      replay,
      stopping: () => stopping,
      track,
      signal: lifetime.signal,
    })
    const s = createAdaptorServer({ fetch: app.fetch })
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject)
      s.listen(o.port, o.host, () => {
        s.off('error', reject)
        resolve()
      })
    })
    bound = { host: o.host, port: (s.address() as AddressInfo).port }
    return s
  }

  const track = <T>(work: Promise<T>): Promise<T> => {
    receiving.add(work)
    const forget = () => receiving.delete(work)
    work.then(forget, forget)
    return work
  }

  return {
    peerId: o.peerId,

    async start(receiver: DeliveryReceiver): Promise<void> {
      if (server || starting) throw new Error('httpTransport: already started')
      starting = true
      try {
        if (stopPromise) await stopPromise
        server = await listen(receiver)
      } finally {
        starting = false
      }
    },

    async deliver(peer: string, batch: readonly Delivery[]): Promise<DeliveryAck[]> {
      if (stopped || stopping)
        throw new TransportError('the transport stopped', { retryable: true })
      if (batch.length === 0) return []
      return deliverTo(o, peer, batch, lifetime.signal)
    },

    stop(): Promise<void> {
      stopPromise ??= stopNow().finally(() => {
        stopPromise = undefined
      })
      return stopPromise
    },

    address() {
      if (!bound) throw new Error('httpTransport: not started, no address yet')
      return { ...bound }
    },

    get url() {
      if (!bound) throw new Error('httpTransport: not started, no URL yet')
      const host = bound.host.includes(':') ? `[${bound.host}]` : bound.host
      return `http://${host}:${bound.port}`
    },
  }
}

/**
 * The signal stop aborts. Each delivery and each request body in flight listens to it, so it
 * may have many listeners at once: no warning past Node's default of 10.
 */
function newLifetime(): AbortController {
  const controller = new AbortController()
  setMaxListeners(0, controller.signal)
  return controller
}
