import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Peer authentication: every request between peers is signed with HMAC-SHA256 and the secret
 * the two peers share; the answer to a request is signed too, bound to the request's signature.
 *
 * The signed text of a request (lines joined by `\n`, then the body's exact bytes):
 *
 *     pigeonhole-peer-v1 request
 *     POST
 *     /peer/v1/deliveries          (the endpoint's path, relative to the peer's base URL)
 *     <sending peer id>
 *     <receiving peer id>
 *     <timestamp: ms since the epoch, decimal>
 *     <body bytes>
 *
 * and of an answer:
 *
 *     pigeonhole-peer-v1 response
 *     <status>
 *     <the request's signature header>
 *     <answering peer id>
 *     <asking peer id>
 *     <body bytes>
 *
 * Both peer ids are signed, so a request for one peer cannot be replayed to another that shares
 * the secret, and no peer can claim another's id without that id's secret.
 */

export const peerHeader = 'x-pigeonhole-peer'
export const timestampHeader = 'x-pigeonhole-timestamp'
export const signatureHeader = 'x-pigeonhole-signature'

const version = 'v1'
const prefix = `${version}=`

export interface RequestToSign {
  method: string
  path: string
  from: string
  to: string
  timestamp: string
  body: Uint8Array
}

export interface ResponseToSign {
  status: number
  requestSignature: string
  from: string
  to: string
  body: Uint8Array
}

/** The `X-Pigeonhole-Signature` value of a request: `v1=<base64url HMAC-SHA256>`. */
export function signRequest(secret: string, r: RequestToSign): string {
  const head = ['pigeonhole-peer-v1 request', r.method, r.path, r.from, r.to, r.timestamp, '']
  return prefix + mac(secret, head.join('\n'), r.body)
}

/** The `X-Pigeonhole-Signature` value of an answer, bound to the request's signature. */
export function signResponse(secret: string, r: ResponseToSign): string {
  const head = [
    'pigeonhole-peer-v1 response',
    String(r.status),
    r.requestSignature,
    r.from,
    r.to,
    '',
  ]
  return prefix + mac(secret, head.join('\n'), r.body)
}

/** Whether `given` is the `expected` signature, compared in constant time. */
export function signaturesEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  // timingSafeEqual needs equal lengths; comparing b with itself keeps the time the same.
  return a.length === b.length ? timingSafeEqual(a, b) : !timingSafeEqual(b, b)
}

/** Whether a header value has the shape of a signature (before any work is done on it). */
export function looksLikeSignature(value: string): boolean {
  return /^v1=[A-Za-z0-9_-]{43}$/.test(value)
}

function mac(secret: string, head: string, body: Uint8Array): string {
  return createHmac('sha256', secret).update(head, 'utf8').update(body).digest('base64url')
}

/**
 * The signatures seen within the replay window, so a request sent again as it was is refused.
 * A signature is kept until its timestamp leaves the window (at most `2 × window` after it
 * arrives, for a timestamp from the future), then forgotten: a request that old is refused as
 * stale anyway. At most `max` are kept: when that many are live, requests are refused (the
 * caller answers 503 with Retry-After) rather than memory growing without bound.
 */
export class ReplayGuard {
  readonly #seen = new Map<string, number>()
  #nextSweep = 0

  constructor(
    private readonly windowMs: number,
    private readonly max: number,
  ) {}

  get size(): number {
    return this.#seen.size
  }

  /**
   * Records `signature` (of a request stamped `timestamp`): `'fresh'` the first time, `'replayed'`
   * if it was seen within the window, `'full'` if no room is left (`retryAfterMs`: until the
   * next sweep may free some).
   */
  admit(
    signature: string,
    timestamp: number,
    now: number,
  ): { result: 'fresh' | 'replayed' } | { result: 'full'; retryAfterMs: number } {
    if (now >= this.#nextSweep) this.#sweep(now)
    const expiry = this.#seen.get(signature)
    if (expiry !== undefined && expiry > now) return { result: 'replayed' }
    // Full: entries age out at the next sweep at the earliest.
    if (this.#seen.size >= this.max) return { result: 'full', retryAfterMs: this.#nextSweep - now }
    this.#seen.set(signature, timestamp + this.windowMs)
    return { result: 'fresh' }
  }

  /** Forgets the signatures whose timestamp left the window; at most once a second. */
  #sweep(now: number): void {
    for (const [signature, expiry] of this.#seen) {
      if (expiry <= now) this.#seen.delete(signature)
    }
    this.#nextSweep = now + 1000
  }
}
