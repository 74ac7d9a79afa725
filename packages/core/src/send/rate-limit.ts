import type { WriteTx } from '../engine/write-tx.js'
import { PigeonholeError } from '../errors.js'
import { PolicyThrew } from './policy-threw.js'

/** One rate: sends per second, and how many may go at once after a quiet spell. */
export interface RateLimit {
  /** Sends per second, refilled continuously: 0.001 to 1000000 (fractions allowed: 0.5 = one per 2 s). */
  sendsPerSecond: number
  /** How many sends the bucket holds: a positive integer. Default: `sendsPerSecond` rounded up. */
  burst?: number
}

/** The rate limit options (`limits.sendsPerSecond`, `burst`, `kinds`, `kindOf`). */
export interface RateLimitOptions {
  /** The rate of every sender whose kind has none of its own; absent: no limit for them. */
  sendsPerSecond?: number
  /** The default rate's burst; needs `sendsPerSecond`. Default: `sendsPerSecond` rounded up. */
  burst?: number
  /**
   * Rates by sender kind, instead of the default one; `null`: no limit for that kind. The kind
   * `system` is the system's (messages with `from: null`, broadcasts included); the others are
   * whatever `kindOf` answers.
   */
  kinds?: Record<string, RateLimit | null>
  /**
   * The kind of a sender (never asked about the system): a key of `kinds`, or undefined/null for
   * the default rate. Called once per send that reaches the limiter; needs `kinds`.
   */
  kindOf?: (from: string) => string | null | undefined
}

interface Rate {
  readonly kind: string | undefined
  readonly sendsPerSecond: number
  readonly burst: number
}

/** The buckets are pruned of full ones (equal to a new one) when there are this many. */
const pruneAt = 10_000

/**
 * A token bucket, exact to the millisecond with an injected clock. Written here (a few dozen lines)
 * rather than taken from a library: the maintained ones (rate-limiter-flexible, limiter,
 * bottleneck) read `Date.now()` or run timers, and the engine's time is its `clock`.
 *
 * Kept as "full at `since`, `taken` sends since": the credit at `now` is
 * `burst + (now - since) * sendsPerSecond / 1000 - taken` (at most `burst`), computed in
 * milli-sends with one multiplication and no running sum, so fractional rates do not drift.
 */
class Bucket {
  #since: number
  #taken = 0

  constructor(
    readonly rate: Rate,
    now: number,
  ) {
    this.#since = now
  }

  /** True when the bucket has refilled to `burst` (then it restarts at `now`). */
  full(now: number): boolean {
    const refilled = Math.max(0, now - this.#since) * this.rate.sendsPerSecond
    if (refilled < this.#taken * 1000) return false
    this.#since = Math.max(this.#since, now)
    this.#taken = 0
    return true
  }

  /** Ms until `n` more sends fit (0: now). Changes nothing that counts. */
  wait(now: number, n: number): number {
    this.full(now)
    // Milli-sends to refill since `since` for `n` more to fit.
    const need = (this.#taken + n - this.rate.burst) * 1000
    if (need <= 0) return 0
    const reach = (t: number) => (t - this.#since) * this.rate.sendsPerSecond >= need
    // The first ms at which they fit; the division may round either way: step to the exact one.
    let at = this.#since + Math.ceil(need / this.rate.sendsPerSecond)
    while (at > this.#since && reach(at - 1)) at--
    while (!reach(at)) at++
    return Math.max(0, at - now)
  }

  take(n: number): void {
    this.#taken += n
  }

  /** Gives back sends taken by a change that rolled back. */
  refund(n: number): void {
    this.#taken = Math.max(0, this.#taken - n)
  }
}

/**
 * Per-sender token buckets of one engine instance, in memory (several instances on one
 * database each allow the full rate). Their time is the transaction's (`tx.now`, from the
 * engine's clock); nothing runs on a timer.
 */
export class RateLimiter {
  readonly #default: Rate | undefined
  readonly #kinds: ReadonlyMap<string, Rate | null>
  readonly #kindOf: ((from: string) => string | null | undefined) | undefined
  readonly #buckets = new Map<string, Bucket>()
  #pruneAt = pruneAt

  /** The limiter of the options, or undefined when no sender has a limit (the hot path). */
  static of(options: RateLimitOptions): RateLimiter | undefined {
    const kinds = Object.entries(options.kinds ?? {})
    if (options.sendsPerSecond === undefined && !kinds.some(([, rate]) => rate !== null)) {
      return undefined
    }
    return new RateLimiter(options)
  }

  private constructor(options: RateLimitOptions) {
    const rate = (kind: string | undefined, r: RateLimit): Rate => ({
      kind,
      sendsPerSecond: r.sendsPerSecond,
      burst: r.burst ?? Math.max(1, Math.ceil(r.sendsPerSecond)),
    })
    this.#default =
      options.sendsPerSecond === undefined
        ? undefined
        : rate(undefined, { sendsPerSecond: options.sendsPerSecond, burst: options.burst })
    this.#kinds = new Map(
      Object.entries(options.kinds ?? {}).map(([k, r]) => [k, r === null ? null : rate(k, r)]),
    )
    this.#kindOf = options.kindOf
  }

  /** A batch's view: `dryRun` peeks (counting the batch's own sends) and never takes. */
  session(tx: WriteTx, dryRun: boolean): RateSession {
    return new RateSession(this, tx, dryRun)
  }

  /**
   * The sender's bucket (created if `create`), null when its kind has no limit, or the error
   * of a kind `kindOf` made up.
   */
  bucket(
    from: string | null,
    now: number,
    create: boolean,
  ): Bucket | null | undefined | PigeonholeError {
    const rate = this.#rateOf(from)
    if (!rate || rate instanceof PigeonholeError) return rate
    const key = `${rate.kind ?? ''}\u0000${from ?? ''}`
    let bucket = this.#buckets.get(key)
    if (!bucket) {
      if (!create) return undefined
      if (this.#buckets.size >= this.#pruneAt) this.#prune(now)
      bucket = new Bucket(rate, now)
      this.#buckets.set(key, bucket)
    }
    return bucket
  }

  /** A fresh bucket of the sender's rate (for a dry run: not kept). */
  fresh(from: string | null, now: number): Bucket | null | PigeonholeError {
    const rate = this.#rateOf(from)
    return rate && !(rate instanceof PigeonholeError) ? new Bucket(rate, now) : rate
  }

  #rateOf(from: string | null): Rate | null | PigeonholeError {
    if (from === null) {
      const system = this.#kinds.get('system')
      return system === undefined ? (this.#default ?? null) : system
    }
    if (!this.#kindOf) return this.#default ?? null
    let kind: string | null | undefined
    try {
      kind = this.#kindOf(from)
    } catch (error) {
      // Out of the transaction runner unwrapped, as a policy's (the caller gets it as thrown).
      throw new PolicyThrew('limits.kindOf', error)
    }
    if (kind === undefined || kind === null) return this.#default ?? null
    const rate = this.#kinds.get(kind)
    if (rate === undefined) {
      const known = [...this.#kinds.keys()]
      // The item fails with it (the host's bug, named); the rest of a batch goes on.
      return new PigeonholeError(
        'invalid_input',
        `limits.kindOf: returned ${JSON.stringify(kind)} for "${from}", not a key of limits.kinds (${known.join(', ')}) nor undefined`,
        { field: 'limits.kindOf', expected: `one of ${known.join(', ')}`, got: String(kind) },
      )
    }
    return rate
  }

  /** Drops the buckets that have refilled (a new one is the same); keeps the work amortized. */
  #prune(now: number): void {
    for (const [key, bucket] of this.#buckets) if (bucket.full(now)) this.#buckets.delete(key)
    this.#pruneAt = Math.max(pruneAt, this.#buckets.size * 2)
  }
}

/** The limiter as one batch of sends sees it. */
export class RateSession {
  readonly #limiter: RateLimiter
  readonly #tx: WriteTx
  readonly #dryRun: boolean
  /** Dry run: the sends admitted so far per bucket. Real: the takes, to refund on rollback. */
  #counts: Map<Bucket, number> | undefined
  /** Dry run: the buckets of senders that have none yet, one per sender for the batch. */
  #freshBuckets: Map<string, Bucket | null | PigeonholeError> | undefined

  constructor(limiter: RateLimiter, tx: WriteTx, dryRun: boolean) {
    this.#limiter = limiter
    this.#tx = tx
    this.#dryRun = dryRun
  }

  /**
   * Admits one send of `from` (null: the system): undefined when it may go (and then, unless a
   * dry run, it takes its token), or the `rate_limited` error with the exact `retryAfterMs`.
   */
  admit(from: string | null): PigeonholeError | undefined {
    const now = this.#tx.now
    let bucket = this.#limiter.bucket(from, now, !this.#dryRun)
    // A dry run keeps no bucket it makes: a sender with none yet gets one for this batch.
    if (bucket === undefined) bucket = this.#fresh(from, now)
    if (!bucket) return undefined
    if (bucket instanceof PigeonholeError) return bucket
    const counts = this.#counts
    const earlier = this.#dryRun ? (counts?.get(bucket) ?? 0) : 0
    const wait = bucket.wait(now, earlier + 1)
    // A dry run counts the batch's earlier sends as taken: it reports what the real one would.
    if (wait > 0) return rateLimited(from, bucket.rate, wait)
    if (!this.#dryRun) {
      bucket.take(1)
      if (!counts) this.#tx.onRollback(() => this.#refund())
    }
    this.#counts ??= new Map()
    this.#counts.set(bucket, (this.#counts.get(bucket) ?? 0) + 1)
    return undefined
  }

  /** A dry run's bucket for a sender with none yet: one per sender for the batch. */
  #fresh(from: string | null, now: number): Bucket | null | PigeonholeError {
    this.#freshBuckets ??= new Map()
    const key = from ?? ''
    let bucket = this.#freshBuckets.get(key)
    if (bucket === undefined) {
      bucket = this.#limiter.fresh(from, now)
      this.#freshBuckets.set(key, bucket)
    }
    return bucket
  }

  #refund(): void {
    for (const [bucket, n] of this.#counts ?? []) bucket.refund(n)
    this.#counts = undefined
  }
}

function rateLimited(from: string | null, rate: Rate, retryAfterMs: number): PigeonholeError {
  const who = from === null ? 'the system' : `"${from}"`
  const kind = rate.kind === undefined ? '' : ` (kind "${rate.kind}")`
  return new PigeonholeError(
    'rate_limited',
    `from: ${who}${kind} may send ${rate.sendsPerSecond} per second, ${rate.burst} at once; retry after ${retryAfterMs} ms`,
    {
      field: 'from',
      retryAfterMs,
      sendsPerSecond: rate.sendsPerSecond,
      burst: rate.burst,
      ...(rate.kind !== undefined && { kind: rate.kind }),
    },
  )
}
