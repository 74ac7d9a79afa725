import type { Selectable, Updateable } from 'kysely'
import type { Subscription } from 'rxjs'
import type { WebhookCursorsTable } from '../db/schema.js'
import { leasedByOther, lockClaims, webhookLockKey, workerName } from '../delivery/lease.js'
import { retryDelay } from '../delivery/options.js'
import type { EngineContext } from '../engine/context.js'
import type { EventType, PigeonholeEvent } from '../types.js'
import { chunk } from '../util/chunk.js'
import { Coalescer } from '../util/coalescer.js'
import { parseJson } from '../util/json.js'

type QueueRow = Selectable<WebhookCursorsTable>

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

/** Events read per scan and per queue read. */
const scanPage = 1000
const queuePage = 100

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
  readonly #retry: { baseDelayMs: number; maxDelayMs: number; random: () => number }
  readonly #leaseMs: number
  readonly #pollIntervalMs: number
  readonly #report: (error: unknown) => void
  readonly #me = workerName()
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
    this.#retry = {
      baseDelayMs: options.baseDelayMs,
      maxDelayMs: options.maxDelayMs,
      random: options.random,
    }
    this.#leaseMs = options.leaseMs
    this.#pollIntervalMs = options.pollIntervalMs
    this.#report = options.onError
    this.#onStop = onStop
  }

  /** Records the endpoints, then sends: every new event wakes a pass. */
  async start(): Promise<void> {
    await this.#ensureEndpoints()
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

  async #ensureEndpoints(): Promise<void> {
    const ctx = this.#ctx
    await ctx.write(async (tx) => {
      await lockClaims(ctx, tx, webhookLockKey)
      const ids = [...this.#targets.keys()]
      const found = new Map<string, number | null>()
      for (const part of chunk(ids, ctx.maxParameters)) {
        const rows = await tx.db
          .selectFrom('webhook_endpoints')
          .select(['id', 'disabled_at'])
          .where('id', 'in', part)
          .execute()
        for (const r of rows) found.set(r.id, r.disabled_at === null ? null : Number(r.disabled_at))
      }
      const missing = ids.filter((id) => !found.has(id))
      if (missing.length > 0) {
        let start = 0
        if (this.#startAt === 'now') {
          const row = await tx.db
            .selectFrom('events')
            .select((eb) => eb.fn.max('cursor').as('max'))
            .executeTakeFirst()
          start = Number(row?.max ?? 0)
        }
        await tx.db
          .insertInto('webhook_endpoints')
          .values(
            missing.map((id) => ({
              id,
              start_cursor: start,
              scanned: start,
              created_at: tx.now,
              disabled_at: null,
              disabled_reason: null,
            })),
          )
          .execute()
      }
      for (const [id, at] of found) if (at !== null) this.#disabled.add(id)
    }, 'admin.webhooks.start')
  }

  async #pass(): Promise<void> {
    if (this.#stopped) return
    try {
      await this.#refreshDisabled()
      for (const target of this.#targets.values()) {
        if (this.#stopped) return
        if (!this.#disabled.has(target.id)) await this.#scan(target)
      }
      const free = this.#concurrency - this.#active.size
      if (free > 0 && !this.#stopped) {
        for (const row of await this.#claim(free)) this.#run(row)
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

  /** Events after the endpoint's `scanned`, assigned to their accounts' queues (`head`). */
  async #scan(target: WebhookTarget): Promise<void> {
    const ctx = this.#ctx
    const accounts = target.accounts === 'all' ? undefined : target.accounts
    for (let round = 0; round < 20 && !this.#stopped; round++) {
      const endpoint = await ctx.db
        .selectFrom('webhook_endpoints')
        .select('scanned')
        .where('id', '=', target.id)
        .executeTakeFirst()
      if (!endpoint) return
      // Nothing new: no write.
      if (!(await this.#newEvents(Number(endpoint.scanned), accounts, 1)).length) return
      const more = await ctx.write(async (tx) => {
        await lockClaims(ctx, tx, webhookLockKey)
        const current = await tx.db
          .selectFrom('webhook_endpoints')
          .select('scanned')
          .where('id', '=', target.id)
          .executeTakeFirstOrThrow()
        const scanned = Number(current.scanned)
        const events = await this.#newEvents(scanned, accounts, scanPage, tx.db)
        if (events.length === 0) return false
        const heads = new Map<string, number>()
        for (const e of events) heads.set(e.owner ?? '', Number(e.cursor))
        const rows = [...heads].map(([account, head]) => ({
          endpoint: target.id,
          account,
          cursor: scanned,
          head,
          attempts: 0,
          due_at: tx.now,
          claimed_by: null,
          claimed_until: null,
          last_error: null,
          updated_at: tx.now,
        }))
        for (const part of chunk(rows, Math.floor(ctx.maxParameters / 10))) {
          await tx.db
            .insertInto('webhook_cursors')
            .values(part)
            .onConflict((oc) =>
              oc.columns(['endpoint', 'account']).doUpdateSet((eb) => ({
                head: eb.ref('excluded.head'),
                updated_at: eb.ref('excluded.updated_at'),
              })),
            )
            .execute()
        }
        await tx.db
          .updateTable('webhook_endpoints')
          .set({ scanned: Number(events.at(-1)!.cursor) })
          .where('id', '=', target.id)
          .execute()
        return events.length === scanPage
      }, 'webhooks.scan')
      if (!more) return
    }
  }

  #newEvents(
    after: number,
    accounts: string[] | undefined,
    limit: number,
    db = this.#ctx.db,
  ): Promise<{ cursor: number | string; owner: string | null }[]> {
    let query = db.selectFrom('events').select(['cursor', 'owner']).where('cursor', '>', after)
    if (accounts !== undefined) query = query.where('owner', 'in', accounts)
    return query.orderBy('cursor').limit(limit).execute()
  }

  /** Due queues with work, not leased by another instance nor sent here already: leased to us. */
  async #claim(free: number): Promise<QueueRow[]> {
    const ctx = this.#ctx
    const ids = [...this.#targets.keys()].filter((id) => !this.#disabled.has(id))
    if (ids.length === 0) return []
    return ctx.write(async (tx) => {
      await lockClaims(ctx, tx, webhookLockKey)
      const now = tx.now
      const rows = await tx.db
        .selectFrom('webhook_cursors')
        .selectAll()
        .where('endpoint', 'in', ids)
        .whereRef('head', '>', 'cursor')
        .where('due_at', '<=', now)
        .where((eb) =>
          eb.or([
            eb('claimed_until', 'is', null),
            eb('claimed_until', '<=', now),
            eb('claimed_by', '=', this.#me),
          ]),
        )
        .orderBy('due_at')
        .limit(free + this.#active.size)
        .execute()
      const taken = rows.filter((r) => !this.#active.has(queueKey(r))).slice(0, free)
      for (const row of taken) {
        await tx.db
          .updateTable('webhook_cursors')
          .set({ claimed_by: this.#me, claimed_until: now + this.#leaseMs })
          .where('endpoint', '=', row.endpoint)
          .where('account', '=', row.account)
          .execute()
      }
      return taken
    }, 'webhooks.claim')
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

  /** Sends a claimed queue's events in order until it is empty, fails, or the lease is lost. */
  async #drain(row: QueueRow): Promise<void> {
    const target = this.#targets.get(row.endpoint)!
    const types = target.types && new Set(target.types)
    let cursor = Number(row.cursor)
    let saved = cursor
    const attempts = Number(row.attempts)
    for (;;) {
      if (this.#halted(row)) return this.#release(row, saved === cursor ? undefined : cursor)
      const events = await this.#queueEvents(row, cursor)
      if (events.length === 0) return this.#release(row, saved === cursor ? undefined : cursor)
      for (const event of events) {
        if (types && !types.has(event.type)) {
          cursor = event.cursor
          continue
        }
        if (this.#halted(row)) return this.#release(row, saved === cursor ? undefined : cursor)
        let result: WebhookSendResult
        try {
          result = await this.#send(row.endpoint, event)
        } catch (error) {
          result = { ok: false, error: error instanceof Error ? error.message : String(error) }
        }
        if (result.ok) {
          cursor = event.cursor
          if (!(await this.#acknowledged(row, cursor))) return
          saved = cursor
          continue
        }
        if (result.gone) return this.#gone(row, cursor, result.error)
        // The same front event as when claimed: one more attempt; a new front event: its first.
        const front = saved === Number(row.cursor) ? attempts + 1 : 1
        return this.#backOff(row, cursor, front, result)
      }
    }
  }

  /** The runner stopped, or the endpoint was disabled: the queue's next event waits. */
  #halted(row: QueueRow): boolean {
    return this.#stopped || this.#disabled.has(row.endpoint)
  }

  /** The queue's events after `cursor`, oldest first. */
  async #queueEvents(row: QueueRow, cursor: number): Promise<PigeonholeEvent[]> {
    let query = this.#ctx.db.selectFrom('events').selectAll().where('cursor', '>', cursor)
    query =
      row.account === '' ? query.where('owner', 'is', null) : query.where('owner', '=', row.account)
    const rows = await query.orderBy('cursor').limit(queuePage).execute()
    return rows.map((r) => ({
      cursor: Number(r.cursor),
      type: r.type as EventType,
      at: Number(r.created_at),
      owner: r.owner,
      messageId: r.message_id,
      data: parseJson(r.data),
    }))
  }

  /** Moves the cursor and renews the lease; false when the lease was lost (another instance has the queue). */
  async #acknowledged(row: QueueRow, cursor: number): Promise<boolean> {
    const result = await this.#ctx.write(async (tx) => {
      return tx.db
        .updateTable('webhook_cursors')
        .set({
          cursor,
          attempts: 0,
          last_error: null,
          claimed_until: tx.now + this.#leaseMs,
          updated_at: tx.now,
        })
        .where('endpoint', '=', row.endpoint)
        .where('account', '=', row.account)
        .where('claimed_by', '=', this.#me)
        .executeTakeFirst()
    }, 'webhooks.acknowledged')
    return Number(result.numUpdatedRows) > 0
  }

  /** Gives the queue back (after `cursor` when events were skipped by type). */
  async #release(row: QueueRow, cursor: number | undefined): Promise<void> {
    await this.#giveBack(row, 'webhooks.release', () => (cursor === undefined ? {} : { cursor }))
  }

  async #backOff(
    row: QueueRow,
    cursor: number,
    attempts: number,
    result: { error: string; retryAfterMs?: number | undefined },
  ): Promise<void> {
    await this.#giveBack(row, 'webhooks.backOff', (now) => ({
      cursor,
      attempts,
      due_at: now + retryDelay(this.#retry, attempts, result.retryAfterMs),
      last_error: result.error.slice(0, 1000),
    }))
  }

  /** Unclaims the queue, if it is still this instance's, with `more` columns set. */
  async #giveBack(
    row: QueueRow,
    where: string,
    more: (now: number) => Updateable<WebhookCursorsTable>,
  ): Promise<void> {
    await this.#ctx.write(async (tx) => {
      await tx.db
        .updateTable('webhook_cursors')
        .set({ ...more(tx.now), claimed_by: null, claimed_until: null, updated_at: tx.now })
        .where('endpoint', '=', row.endpoint)
        .where('account', '=', row.account)
        .where('claimed_by', '=', this.#me)
        .execute()
    }, where)
  }

  /** 410 Gone: the endpoint is disabled (every instance stops); its cursors stay. */
  async #gone(row: QueueRow, cursor: number, why: string): Promise<void> {
    this.disabled(row.endpoint)
    await this.#ctx.write(async (tx) => {
      await tx.db
        .updateTable('webhook_endpoints')
        .set({ disabled_at: tx.now, disabled_reason: why.slice(0, 1000) })
        .where('id', '=', row.endpoint)
        .execute()
      await tx.db
        .updateTable('webhook_cursors')
        .set({
          cursor,
          last_error: why.slice(0, 1000),
          claimed_by: null,
          claimed_until: null,
          updated_at: tx.now,
        })
        .where('endpoint', '=', row.endpoint)
        .where('account', '=', row.account)
        .where('claimed_by', '=', this.#me)
        .execute()
    }, 'webhooks.gone')
  }

  /** Queues of ours with work due now (and not leased by another instance). */
  async #dueNow(): Promise<boolean> {
    const next = await this.#nextDue()
    return next !== undefined && next <= this.#ctx.clock.now()
  }

  /** The earliest time a queue with work can be sent: its due time, or the end of another's lease. */
  async #nextDue(): Promise<number | undefined> {
    const ids = [...this.#targets.keys()].filter((id) => !this.#disabled.has(id))
    if (ids.length === 0) return undefined
    const rows = await this.#ctx.db
      .selectFrom('webhook_cursors')
      .select(['endpoint', 'account', 'due_at', 'claimed_by', 'claimed_until'])
      .where('endpoint', 'in', ids)
      .whereRef('head', '>', 'cursor')
      .orderBy('due_at')
      .limit(scanPage)
      .execute()
    const now = this.#ctx.clock.now()
    let next: number | undefined
    for (const row of rows) {
      if (this.#active.has(queueKey(row))) continue
      const at = Math.max(
        Number(row.due_at),
        leasedByOther(row, now, this.#me) ? Number(row.claimed_until) : 0,
      )
      next = next === undefined ? at : Math.min(next, at)
    }
    return next
  }

  /** The next pass: at the earliest due queue, at most `pollIntervalMs` from now. */
  async #schedule(): Promise<void> {
    let delay = this.#pollIntervalMs
    try {
      const next = await this.#nextDue()
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

const queueKey = (row: { endpoint: string; account: string }) =>
  `${row.endpoint}\u0000${row.account}`
