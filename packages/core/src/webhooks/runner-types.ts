import type { PigeonholeEvent } from '../types.js'

/** One endpoint as the runner sees it: which events go to it (how they go is `send`'s job). */
export interface WebhookTarget {
  id: string
  /** Whose events: every account's (and the events without owner), or these accounts' only. */
  accounts: 'all' | string[]
  /** Only events of these types (left out: every type). */
  types?: string[] | undefined
}

/** What one delivery attempt came to. */
export type WebhookSendResult =
  | { ok: true }
  | {
      ok: false
      /** Why, kept as the queue's `lastError`. */
      error: string
      /** At least this long before the next attempt (a `Retry-After`). */
      retryAfterMs?: number | undefined
      /** The receiver asked to be disabled (410 Gone): the endpoint is disabled for good. */
      gone?: boolean | undefined
    }

/**
 * Sends one event to one endpoint and resolves with the receiver's answer; it should give up
 * after a timeout shorter than half the lease. Throwing counts as a failed attempt.
 */
export type WebhookSend = (endpoint: string, event: PigeonholeEvent) => Promise<WebhookSendResult>

/** `ph.admin.webhooks.start(...)`. Everything but `endpoints` and `send` has a default. */
export interface WebhookRunnerOptions {
  endpoints: WebhookTarget[]
  send: WebhookSend
  /** Queues ((endpoint, account) pairs) this instance sends at once. Default 8. */
  concurrency?: number
  /** Where an endpoint seen for the first time starts: after the newest event ('now', default) or at the first ('beginning'). */
  startAt?: 'now' | 'beginning'
  /** The first retry's delay cap, in ms (full jitter: attempt n waits a random time below min(max, base·2^(n-1))). Default 1000. */
  baseDelayMs?: number
  /** The largest retry delay, in ms. Default 600000 (10 minutes). */
  maxDelayMs?: number
  /** How long a claimed queue is this instance's before another may send it, in ms; longer than one send. Default 60000. */
  leaseMs?: number
  /** How often to look for due queues when nothing woke the runner, in ms. Default 5000. */
  pollIntervalMs?: number
  /** The jitter's random source, in [0, 1). Default `Math.random`. */
  random?: () => number
  /** Gets what the runner could not do (a store error, ...); it tries again later. Default: console.error. */
  onError?: (error: unknown) => void
}

/** A running webhook sender (one per `start`). */
export interface WebhookRunner {
  /** Looks for work now (new events wake it by themselves). */
  wake(): void
  /** Resolves once no queue this runner can send now has work (due ones sent or backing off). */
  idle(): Promise<void>
  /**
   * Stops: the sends in flight finish (their answers recorded, as the outbox worker does; a
   * send gives up after its timeout), then the queues' leases are given back.
   */
  stop(): Promise<void>
}
