import { createHmac, randomBytes } from 'node:crypto'
import {
  type Clock,
  functionOption,
  integerOption,
  type Pigeonhole,
  type PigeonholeEvent,
  parseOptions,
  systemClock,
  type WebhookRunner,
  type WebhookSendResult,
  withMethods,
} from '@pigeonhole/core'
import { z } from 'zod'
import { parseRetryAfter } from '../retry-after.js'

/** One endpoint the host configures. */
export interface WebhookEndpoint {
  /** A stable name (1 to 200 characters): the delivery cursors are kept under it. */
  id: string
  /** Where events are POSTed: `http:` or `https:`. */
  url: string
  /**
   * The Standard Webhooks secret, `whsec_` and the base64 of 24 to 64 random bytes (see
   * `newWebhookSecret()`), or several while rotating: each delivery then carries one signature
   * per secret, and a receiver holding any of them verifies it.
   */
  secret: string | string[]
  /** Whose events: `'all'` (default; also the events without owner) or these accounts'. */
  accounts?: 'all' | string[]
  /** Only these event types (default: every type). */
  types?: string[]
}

export interface WebhooksOptions {
  endpoints: WebhookEndpoint[]
  /** How long one delivery waits for the receiver's answer, in ms. Default 15000. */
  timeoutMs?: number
  /** Queues ((endpoint, account) pairs) this instance sends at once. Default 8. */
  concurrency?: number
  /** Where an endpoint seen for the first time starts: after the newest event ('now', default) or at the first ('beginning'). */
  startAt?: 'now' | 'beginning'
  /** The first retry's delay cap, in ms (exponential, full jitter). Default 1000. */
  baseDelayMs?: number
  /** The largest retry delay, in ms. Default 600000 (10 minutes). */
  maxDelayMs?: number
  /** How long a queue is this instance's once claimed, in ms; at least 2 × `timeoutMs`. Default 60000. */
  leaseMs?: number
  /** How often to look for due queues when nothing woke the sender, in ms. Default 5000. */
  pollIntervalMs?: number
  /** The jitter's random source, in [0, 1). Default `Math.random`. */
  random?: () => number
  /** Gets what the sender could not do (a store error); it tries again later. Default: console.error. */
  onError?: (error: unknown) => void
  /** The time of `webhook-timestamp` (receivers check it against theirs). Default: the system clock. */
  clock?: Clock
  /** The HTTP client. Default: the global `fetch`. */
  fetch?: typeof fetch
}

const secretPrefix = 'whsec_'

/** The key bytes of a `whsec_` secret, or undefined when it is not one (24 to 64 bytes). */
function secretKey(secret: string): Buffer | undefined {
  if (!secret.startsWith(secretPrefix)) return undefined
  const text = secret.slice(secretPrefix.length)
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return undefined
  const key = Buffer.from(text, 'base64')
  return key.length >= 24 && key.length <= 64 ? key : undefined
}

const endpointSchema = z.strictObject({
  id: z.string().min(1).max(200),
  url: z
    .string()
    .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'an http(s) URL'),
  secret: z.union([
    z.string().refine((s) => secretKey(s) !== undefined, 'whsec_ and the base64 of 24 to 64 bytes'),
    z
      .array(
        z
          .string()
          .refine((s) => secretKey(s) !== undefined, 'whsec_ and the base64 of 24 to 64 bytes'),
      )
      .min(1)
      .max(10),
  ]),
  accounts: z.union([z.literal('all'), z.array(z.string()).min(1)]).optional(),
  types: z.array(z.string().min(1)).min(1).optional(),
})

const webhooksOptions = z
  .strictObject({
    endpoints: z.array(endpointSchema).min(1),
    timeoutMs: integerOption(1, 600_000).optional(),
    concurrency: integerOption(1, 1000).optional(),
    startAt: z.enum(['now', 'beginning']).optional(),
    baseDelayMs: integerOption(0, 86_400_000).optional(),
    maxDelayMs: integerOption(0, 86_400_000).optional(),
    leaseMs: integerOption(1, 86_400_000).optional(),
    pollIntervalMs: integerOption(1, 86_400_000).optional(),
    random: functionOption<() => number>().optional(),
    onError: functionOption<(error: unknown) => void>().optional(),
    clock: withMethods<Clock>('a clock with now()', 'now').optional(),
    fetch: functionOption<typeof fetch>().optional(),
  })
  .check((ctx) => {
    const timeout = ctx.value.timeoutMs ?? 15_000
    const lease = ctx.value.leaseMs ?? 60_000
    if (lease < 2 * timeout) {
      ctx.issues.push({
        code: 'custom',
        input: lease,
        path: ['leaseMs'],
        message: `at least twice timeoutMs (${2 * timeout}): a queue's lease must outlast a delivery, or another instance could send it at the same time`,
      })
    }
  })

/** A new Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return secretPrefix + randomBytes(32).toString('base64')
}

/** The `webhook-id` of an event: stable across retries and restarts (its cursor). */
export function webhookId(event: Pick<PigeonholeEvent, 'cursor'>): string {
  return `evt_${event.cursor}`
}

/**
 * The body of an event's delivery: Standard Webhooks' `{ type, timestamp, data }` with the event
 * as `GET /events` and SSE give it in `data`.
 */
export function webhookBody(event: PigeonholeEvent): string {
  return JSON.stringify({
    type: event.type,
    timestamp: new Date(event.at).toISOString(),
    data: event,
  })
}

/**
 * The `webhook-signature` header: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per secret,
 * space-separated (Standard Webhooks).
 */
export function signWebhook(
  secrets: string | readonly string[],
  id: string,
  timestampSeconds: number,
  body: string,
): string {
  const list = typeof secrets === 'string' ? [secrets] : secrets
  return list
    .map((secret) => {
      const key = secretKey(secret)
      if (!key)
        throw new TypeError('signWebhook: a secret is not whsec_ and base64 of 24 to 64 bytes')
      const mac = createHmac('sha256', key)
        .update(`${id}.${timestampSeconds}.${body}`)
        .digest('base64')
      return `v1,${mac}`
    })
    .join(' ')
}

/**
 * Sends the engine's events to the host's webhook endpoints as Standard Webhooks: one signed
 * POST per event, in order per (endpoint, account), retried with backoff until a 2xx, from the
 * event table (`ph.admin.webhooks`), so nothing is lost across a restart. Resolves once
 * started; `stop()` (or `ph.close()`) stops it.
 */
export async function webhooks(ph: Pigeonhole, options: WebhooksOptions): Promise<WebhookRunner> {
  const parsed = parseOptions(webhooksOptions, options, 'webhooks')
  const clock = parsed.clock ?? systemClock
  const timeoutMs = parsed.timeoutMs ?? 15_000
  const doFetch = parsed.fetch ?? fetch
  const byId = new Map(parsed.endpoints.map((e) => [e.id, e]))
  const send = async (endpointId: string, event: PigeonholeEvent): Promise<WebhookSendResult> => {
    const endpoint = byId.get(endpointId)!
    const id = webhookId(event)
    const body = webhookBody(event)
    const timestamp = Math.floor(clock.now() / 1000)
    const abort = new AbortController()
    const timer = setTimeout(
      () => abort.abort(new DOMException('timed out', 'TimeoutError')),
      timeoutMs,
    )
    let res: Response
    try {
      res = await doFetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(endpoint.secret, id, timestamp, body),
          'user-agent': 'pigeonhole-webhooks',
        },
        body,
        redirect: 'manual',
        signal: abort.signal,
      })
    } catch (error) {
      return { ok: false, error: `POST ${endpoint.url}: ${describe(abort.signal.reason ?? error)}` }
    } finally {
      clearTimeout(timer)
    }
    // The answer's body is not read: only its status counts.
    await res.body?.cancel().catch(() => {})
    if (res.status >= 200 && res.status < 300) return { ok: true }
    const error = `POST ${endpoint.url}: ${res.status} ${res.statusText}`.trim()
    if (res.status === 410) return { ok: false, error, gone: true }
    return {
      ok: false,
      error,
      retryAfterMs:
        res.status === 429 || res.status === 503
          ? parseRetryAfter(res.headers.get('retry-after'), Date.now())
          : undefined,
    }
  }
  return ph.admin.webhooks.start({
    endpoints: parsed.endpoints.map((e) => ({
      id: e.id,
      accounts: e.accounts ?? 'all',
      ...(e.types && { types: e.types }),
    })),
    send,
    ...(parsed.concurrency !== undefined && { concurrency: parsed.concurrency }),
    ...(parsed.startAt !== undefined && { startAt: parsed.startAt }),
    ...(parsed.baseDelayMs !== undefined && { baseDelayMs: parsed.baseDelayMs }),
    ...(parsed.maxDelayMs !== undefined && { maxDelayMs: parsed.maxDelayMs }),
    ...(parsed.leaseMs !== undefined && { leaseMs: parsed.leaseMs }),
    ...(parsed.pollIntervalMs !== undefined && { pollIntervalMs: parsed.pollIntervalMs }),
    ...(parsed.random !== undefined && { random: parsed.random }),
    ...(parsed.onError !== undefined && { onError: parsed.onError }),
  })
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : ''
  return `${error.name === 'TimeoutError' ? 'timed out' : error.message}${cause}`
}
