import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/**
 * A real HTTP proxy for fault tests, in front of a peer: it forwards each request as it came
 * (same method, path, headers and body bytes, so signatures still hold) and relays the answer,
 * or, for the requests chosen to drop, waits for the peer's whole answer and then cuts the
 * connection instead of relaying it: the peer committed, the sender never hears (the
 * half-dead connection). `down()` closes the port (connections refused) until `up()`.
 */
export interface TestProxyOptions {
  /** The peer's base URL, `http://127.0.0.1:4002`. */
  target: string
  /**
   * Which answers to drop after the peer answered: a share from 0 to 1 drawn from `seed`
   * (the same seed drops the same requests), or a function of the request's number (0, 1, ...).
   * Default: none.
   */
  dropResponses?: number | ((n: number) => boolean)
  /** The seed for a share of drops. Default: 1. */
  seed?: number
}

export interface TestProxyStats {
  /** Requests that reached the proxy (numbered in this order). */
  requests: number
  /** Answers the peer gave that were relayed. */
  relayed: number
  /** Answers the peer gave that were dropped (the connection cut instead). */
  dropped: number
  /** Requests that failed to reach the peer (it was down): the connection was cut. */
  failed: number
}

export interface TestProxy {
  /** The proxy's base URL: give it to the sender as the peer's URL. */
  readonly url: string
  readonly stats: Readonly<TestProxyStats>
  /** Changes which answers are dropped from now on (the request numbers go on). */
  dropResponses(drop: number | ((n: number) => boolean)): void
  /** Closes the port and cuts open connections: the peer looks down (connection refused). */
  down(): Promise<void>
  /** Listens again on the same port. */
  up(): Promise<void>
  close(): Promise<void>
}

export async function testProxy(options: TestProxyOptions): Promise<TestProxy> {
  const target = new URL(options.target)
  const random = mulberry32(options.seed ?? 1)
  let drop = chooser(options.dropResponses ?? 0, random)
  const stats: TestProxyStats = { requests: 0, relayed: 0, dropped: 0, failed: 0 }
  const agent = new Agent({ keepAlive: true })
  const sockets = new Set<Socket>()

  const handle = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const n = stats.requests++
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => {
      const headers = { ...incoming.headers, host: target.host }
      delete headers.connection
      const forward = request(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          method: incoming.method,
          path: target.pathname.replace(/\/+$/, '') + (incoming.url ?? '/'),
          headers,
          agent,
        },
        (answer) => {
          const body: Buffer[] = []
          answer.on('data', (chunk: Buffer) => body.push(chunk))
          answer.on('end', () => {
            if (drop(n)) {
              stats.dropped++
              incoming.socket.destroy()
              return
            }
            stats.relayed++
            const relayedHeaders = { ...answer.headers }
            delete relayedHeaders.connection
            delete relayedHeaders['keep-alive']
            delete relayedHeaders['transfer-encoding']
            const bytes = Buffer.concat(body)
            relayedHeaders['content-length'] = String(bytes.length)
            outgoing.writeHead(answer.statusCode ?? 502, relayedHeaders)
            outgoing.end(bytes)
          })
          answer.on('error', () => incoming.socket.destroy())
        },
      )
      forward.on('error', () => {
        stats.failed++
        incoming.socket.destroy()
      })
      forward.end(Buffer.concat(chunks))
    })
  }

  let server = await listen(createServer(handle), 0, sockets)
  const port = (server.address() as AddressInfo).port

  const closeServer = (s: Server) =>
    new Promise<void>((resolve) => {
      s.close(() => resolve())
      for (const socket of sockets) socket.destroy()
    })
  let isUp = true

  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    dropResponses(next) {
      drop = chooser(next, random)
    },
    async down() {
      if (!isUp) return
      isUp = false
      await closeServer(server)
    },
    async up() {
      if (isUp) return
      server = await listen(createServer(handle), port, sockets)
      isUp = true
    },
    async close() {
      if (isUp) await closeServer(server)
      isUp = false
      agent.destroy()
    },
  }
}

function listen(server: Server, port: number, sockets: Set<Socket>): Promise<Server> {
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve(server)
    })
  })
}

function chooser(drop: number | ((n: number) => boolean), random: () => number) {
  if (typeof drop === 'function') return drop
  if (!(drop >= 0 && drop <= 1))
    throw new RangeError(`dropResponses: a share from 0 to 1, got ${drop}`)
  return () => random() < drop
}

/** A small seeded PRNG (mulberry32): the same seed, the same sequence. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
