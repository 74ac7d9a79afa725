/**
 * `openPigeonhole({ delivery })`: how the outbox worker sends to remote peers. Every field has
 * a documented default (see the transports section of the README).
 */
export interface DeliveryOptions {
  /** The first retry's delay cap, in ms: attempt n waits a random time in [0, min(max, base·2^n)). Default 200. */
  baseDelayMs: number
  /** The largest retry delay, in ms. Default 60000. */
  maxDelayMs: number
  /** Deliveries per batch to one peer. Default 100. */
  batchSize: number
  /**
   * The largest batch sent at once, in bytes of its JSON (attachments travel inside it,
   * base64url): a batch is cut to fit, and a message that alone is larger fails for good
   * (`file_too_large` when its attachments make it so). Set it to the receiving peer's body
   * limit (the HTTP transport's `maxBodyBytes`). Default 16 MiB, the HTTP transport's default.
   */
  maxBatchBytes: number
  /**
   * Messages not yet confirmed delivered per remote recipient (receipts `pending`); a send that
   * would pass it fails with `queue_full`. Default 10000.
   */
  maxPendingPerRecipient: number
  /** How long a claimed outbox row is this instance's before another may send it, in ms. Default 60000. */
  leaseMs: number
  /** How often the worker looks for due rows when nothing woke it (other instances' rows, expired leases), in ms. Default 5000. */
  pollIntervalMs: number
  /** The jitter's random source, in [0, 1). Default `Math.random`; a seeded one replays a run. */
  random: () => number
  /** Gets what the worker could not do (a store error while claiming, ...); it tries again later. Default: console.error. */
  onError: (error: unknown) => void
}

export const defaultDeliveryOptions: DeliveryOptions = {
  baseDelayMs: 200,
  maxDelayMs: 60_000,
  batchSize: 100,
  maxBatchBytes: 16 * 1024 * 1024,
  maxPendingPerRecipient: 10_000,
  leaseMs: 60_000,
  pollIntervalMs: 5_000,
  random: Math.random,
  onError: (error) => console.error('pigeonhole: delivery:', error),
}

/**
 * The delay before retry number `attempt` (1 for the first retry): exponential backoff with
 * full jitter (a random time below the capped exponential), at least `retryAfterMs` when the
 * peer said when (429/503 `Retry-After`).
 */
export function retryDelay(
  options: Pick<DeliveryOptions, 'baseDelayMs' | 'maxDelayMs' | 'random'>,
  attempt: number,
  retryAfterMs: number | undefined,
): number {
  const cap = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.min(attempt - 1, 40))
  const jittered = Math.floor(options.random() * cap)
  return retryAfterMs === undefined ? jittered : Math.max(Math.ceil(retryAfterMs), jittered)
}
