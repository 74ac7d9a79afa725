import {
  type Clock,
  functionOption,
  integerOption,
  parseOptions,
  systemClock,
  withMethods,
} from '@pigeonhole/core'
import { z } from 'zod'
import { peerIdPattern } from './peer/schemas.js'

export interface HttpTransportOptions {
  /** This engine's peer id: `alice@<peerId>` is local, `bob@other` goes to the peer `other`. */
  peerId: string
  /** Where this engine takes deliveries. `port: 0` binds a free port (see `address()`). */
  listen: { host?: string; port: number }
  /**
   * The peers' base URLs (`{ other: 'http://10.0.0.2:4002' }`), or a function giving a peer's
   * URL, asked at each delivery (for peers on ports only known once they started). A peer not
   * found here gets no delivery (a `TransportError` that is not retryable).
   */
  peers: { [peerId: string]: string } | ((peerId: string) => string | undefined)
  /**
   * The HMAC secret, at least 32 characters (e.g. `openssl rand -base64 32`): one string
   * shared by every peer of the network, or one per peer (`{ other: '...' }`), the same on
   * both sides of each pair. With one shared string, any holder of the secret can speak as any
   * peer id; with one per peer, only a peer in the map is heard, and only as itself.
   */
  secret: string | { [peerId: string]: string }
  /** The largest request or answer body taken, in bytes: larger gets 413. Default: 16 MiB. */
  maxBodyBytes?: number
  /** How long a delivery waits for the peer's answer, in ms. Default: 30000. */
  timeoutMs?: number
  /**
   * How far a request's timestamp may be from this engine's clock, in ms, before it is refused
   * as stale (or from the future). Default: 300000 (5 minutes).
   */
  replayWindowMs?: number
  /**
   * At most this many request signatures are remembered to refuse replays (each for the replay
   * window, about 100 bytes each). When full, requests get 503 with Retry-After. Default: 500000.
   */
  maxRecentSignatures?: number
  /** The time source for timestamps and the replay window. Default: the system clock. */
  clock?: Clock
}

export interface ResolvedOptions {
  peerId: string
  host: string
  port: number
  peerUrl: (peerId: string) => string | undefined
  secretFor: (peerId: string) => string | undefined
  maxBodyBytes: number
  timeoutMs: number
  replayWindowMs: number
  maxRecentSignatures: number
  clock: Clock
}

const secretValue = z.custom<string>((v) => typeof v === 'string' && v.length >= 32, {
  error: 'a secret of at least 32 characters',
})

const peerUrl = z.custom<string>(
  (v) => {
    if (typeof v !== 'string' || !URL.canParse(v)) return false
    const url = new URL(v)
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.search && !url.hash
  },
  { error: 'an http(s) URL without query or fragment' },
)

const peerIdValue = z.custom<string>((v) => typeof v === 'string' && peerIdPattern.test(v), {
  error: 'a peer id: 1 to 255 visible ASCII characters, no @',
})

const schema = z.strictObject({
  peerId: peerIdValue,
  listen: z.strictObject({
    host: z.string().min(1).optional(),
    port: integerOption(0, 65_535),
  }),
  peers: z.union([z.record(z.string(), peerUrl), functionOption<(peerId: string) => string>()]),
  secret: z.union([secretValue, z.record(z.string(), secretValue)]),
  maxBodyBytes: integerOption(1024, 2 ** 31 - 1).optional(),
  timeoutMs: integerOption(1).optional(),
  replayWindowMs: integerOption(1000).optional(),
  maxRecentSignatures: integerOption(1).optional(),
  clock: withMethods<Clock>('a clock: { now(): number }', 'now').optional(),
})

/** The options, checked with core's `parseOptions`; defaults filled in. */
export function resolveOptions(options: unknown): ResolvedOptions {
  const o = parseOptions(schema, options, 'httpTransport')
  const { peers, secret } = o
  return {
    peerId: o.peerId,
    host: o.listen.host ?? '127.0.0.1',
    port: o.listen.port,
    peerUrl:
      typeof peers === 'function'
        ? (id) => peers(id)
        : (id) => (Object.hasOwn(peers, id) ? peers[id] : undefined),
    secretFor:
      typeof secret === 'string'
        ? () => secret
        : (id) => (Object.hasOwn(secret, id) ? secret[id] : undefined),
    maxBodyBytes: o.maxBodyBytes ?? 16 * 1024 * 1024,
    timeoutMs: o.timeoutMs ?? 30_000,
    replayWindowMs: o.replayWindowMs ?? 5 * 60_000,
    maxRecentSignatures: o.maxRecentSignatures ?? 500_000,
    clock: o.clock ?? systemClock,
  }
}
