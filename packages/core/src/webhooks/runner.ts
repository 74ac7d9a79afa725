import type { Subscription } from 'rxjs'
import type { EngineContext } from '../engine/context.js'
import { Coalescer } from '../util/coalescer.js'
import { drainQueue } from './drain.js'
import { type QueueRow, queueKey, WebhookQueues } from './queues.js'
import type {
  WebhookRunner,
  WebhookRunnerOptions,
  WebhookSend,
  WebhookTarget,
} from './runner-types.js'
import { ensureEndpoints, scanEndpoint } from './scan.js'

// The public types of a runner (index.ts exports them from here).
export type * from './runner-types.js'

/**
 * Sends the event table to webhook endpoints. Per (endpoint, account) one ordered queue whose
 * state is a row of `webhook_cursors`: a scan assigns new events to their account's queue (the
 * row's `head`), a claim takes due queues under a lease, and each claimed queue is sent one
 * event at a time, oldest first, its cursor moved on each acknowledgement. A failure puts the
 * queue back with a backoff (full jitter, capped); the next attempt sends the same event.
 */
export class WebhookRuntime implements WebhookRunner {
  readonly #ctx: EngineContext
  readonly #targets: Map<string, WebhookTarget>
  readonly #send: WebhookSend
  readonly #concurrency: number
  readonly #startAt: 'now' | 'beginning'
  readonly #queues: WebhookQueues
  readonly #pollIntervalMs: number
  readonly #report: (error: unknown) => void
  readonly #passes = new Coalescer(() => this.#pass())
  /** Queues this runner is sending, by key. */
  readonly #active = new Map<string, { done: Promise<void> }>()
  /** Endpoints found disabled (by a 410 here, or in the table). */
  readonly #disabled = new Set<string>()
  #ready = false
  #timer: ReturnType<typeof setTimeout> | undefined
  #subscription: Subscription | undefined
  #stopped = false
  readonly #onStop: () => void

  constructor(ctx: EngineContext, options: Required<WebhookRunnerOptions>, onStop: () => void) {
    this.#ctx = ctx
    this.#targets = new Map(options.endpoints.map((t) => [t.id, t]))
    this.#send = options.send
    this.#concurrency = options.concurrency
    this.#startAt = options.startAt
    this.#queues = new WebhookQueues(ctx, options.leaseMs, {
      baseDelayMs: options.baseDelayMs,
      maxDelayMs: options.maxDelayMs,
      random: options.random,
    })
    this.#pollIntervalMs = options.pollIntervalMs
    this.#report = options.onError
    this.#onStop = onStop
  }

  /** Records the endpoints, then sends: every new event wakes a pass. */
  async start(): Promise<void> {
    for (const id of await ensureEndpoints(this.#ctx, this.#targets, this.#startAt)) {
      this.#disabled.add(id)
    }
    this.#ready = true
    this.#subscription = this.#ctx.hub.events$.subscribe(() => this.wake())
    this.wake()
  }

  readonly wake = (): void => {
    if (!this.#stopped && this.#ready) void this.#passes.request()
  }

  /** Makes `id` send again (after `enable`). */
  enabled(id: string): void {
    if (this.#disabled.delete(id)) this.wake()
  }

  /** Stops sending to `id` (after `disable`). */
  disabled(id: string): void {
    if (!this.#targets.has(id)) return
    this.#disabled.add(id)
  }

  async idle(): Promise<void> {
    for (;;) {
      await this.#passes.request()
      while (this.#active.size > 0) await Promise.all([...this.#active.values()].map((r) => r.done))
      await this.#passes.request()
      if (this.#active.size === 0 && !(await this.#dueNow())) return
      if (this.#stopped) return
    }
  }

  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    this.#subscription?.unsubscribe()
    if (this.#timer) clearTimeout(this.#timer)
    await this.#passes.idle()
    while (this.#active.size > 0) await Promise.all([...this.#active.values()].map((r) => r.done))
    this.#onStop()
  }

  async #pass(): Promise<void> {
    if (this.#stopped) return
    try {
      await this.#refreshDisabled()
      for (const target of this.#targets.values()) {
        if (this.#stopped) return
        if (this.#disabled.has(target.id)) continue
        await scanEndpoint(this.#ctx, target, () => this.#stopped)
      }
      const free = this.#concurrency - this.#active.size
      if (free > 0 && !this.#stopped) {
        const rows = await this.#queues.claim(this.#sendable(), free, this.#active)
        for (const row of rows) this.#run(row)
      }
    } catch (error) {
      if (!this.#stopped) this.#report(error)
    }
    if (!this.#stopped) await this.#schedule()
  }

  /** Another instance (or the host) may have disabled or enabled an endpoint. */
  async #refreshDisabled(): Promise<void> {
    const rows = await this.#ctx.db
      .selectFrom('webhook_endpoints')
      .select(['id', 'disabled_at'])
      .where('disabled_at', 'is not', null)
      .execute()
    const now = new Set(rows.map((r) => r.id).filter((id) => this.#targets.has(id)))
    for (const id of [...this.#disabled]) if (!now.has(id)) this.#disabled.delete(id)
    for (const id of now) this.disabled(id)
  }

  /** The endpoints this runner may send to now. */
  #sendable(): string[] {
    return [...this.#targets.keys()].filter((id) => !this.#disabled.has(id))
  }

  #run(row: QueueRow): void {
    const key = queueKey(row)
    const done = this.#drain(row)
      .catch((error: unknown) => {
        if (!this.#stopped) this.#report(error)
      })
      .finally(() => {
        this.#active.delete(key)
        // A slot is free: other due queues may be waiting for it.
        this.wake()
      })
    this.#active.set(key, { done })
  }

  #drain(row: QueueRow): Promise<void> {
    return drainQueue(row, this.#targets.get(row.endpoint)!, {
      queues: this.#queues,
      send: this.#send,
      halted: (r) => this.#halted(r),
      disable: (endpoint) => this.disabled(endpoint),
    })
  }

  /** The runner stopped, or the endpoint was disabled: the queue's next event waits. */
  #halted(row: QueueRow): boolean {
    return this.#stopped || this.#disabled.has(row.endpoint)
  }

  /** Queues of ours with work due now (and not leased by another instance). */
  async #dueNow(): Promise<boolean> {
    const next = await this.#queues.nextDue(this.#sendable(), this.#active)
    return next !== undefined && next <= this.#ctx.clock.now()
  }

  /** The next pass: at the earliest due queue, at most `pollIntervalMs` from now. */
  async #schedule(): Promise<void> {
    let delay = this.#pollIntervalMs
    try {
      const next = await this.#queues.nextDue(this.#sendable(), this.#active)
      // A queue due now waits for a free slot (a finished queue wakes a pass).
      if (next !== undefined && this.#active.size < this.#concurrency) {
        delay = Math.max(0, Math.min(delay, next - this.#ctx.clock.now()))
      }
    } catch (error) {
      if (this.#stopped) return
      this.#report(error)
    }
    if (this.#stopped) return
    if (this.#timer) clearTimeout(this.#timer)
    // At least 1 ms: a queue due now that another pass could not claim does not spin.
    this.#timer = setTimeout(this.wake, Math.max(delay, 1))
    this.#timer.unref?.()
  }
}
