import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { DeliveryOptions } from '../delivery/options.js'
import { PigeonholeError } from '../errors.js'
import type { AfterCommit } from '../events/after-commit.js'
import type { EventHub } from '../events/event-hub.js'
import type { RemoteConfig } from '../messages/remote.js'
import type { RequestDecider, RequestItemProcessor } from '../requests/types.js'
import type { ContentHook } from '../send/content-hooks.js'
import type { SendPolicy } from '../send/policy.js'
import { RateLimiter, type RateLimitOptions } from '../send/rate-limit.js'
import type { Store, TransactionBody } from '../store-port.js'
import type { Transport } from '../transport/port.js'
import type { Clock, IdGenerator } from '../types.js'
import { Mutex } from '../util/mutex.js'
import { readClock } from './clock.js'
import { GroupCommit } from './group-commit.js'
import { QueryTemplates } from './query-templates.js'
import { WriteTx } from './write-tx.js'

/**
 * Limits the engine enforces; each has a documented default. The rate limit fields
 * (`sendsPerSecond`, `burst`, `kinds`, `kindOf`) default to none: no sender is limited.
 */
export interface Limits extends RateLimitOptions {
  /** Largest serialized content of one message, in bytes. Default: 262144 (256 KiB). */
  maxContentBytes: number
  /** Entries changed per transaction by whole-box markRead/markUnread. Default: 1000. */
  markChunkSize: number
}

export const defaultLimits: Limits = { maxContentBytes: 256 * 1024, markChunkSize: 1000 }

/** The Request protocol's configuration (see `PigeonholeOptions.requests`). */
export interface RequestConfig {
  readonly processors: ReadonlyMap<string, RequestItemProcessor>
  readonly deciders: readonly RequestDecider[]
}

/** Delivery to other engines, when a transport is configured (see `delivery/`). */
export interface DeliveryContext {
  readonly transport: Transport
  readonly options: DeliveryOptions
  /** Wakes the delivery worker (after a commit that wrote outbox rows). */
  readonly wake: () => void
}

/** What every facade shares: the store, time, ids, limits and the event hub. */
export class EngineContext {
  readonly store: Store
  readonly clock: Clock
  readonly ids: IdGenerator
  readonly limits: Limits
  /** The per-sender send rate limits; undefined when no sender has one. */
  readonly limiter: RateLimiter | undefined
  readonly hub: EventHub
  /** This engine's peer id: `name@<peerId>` is a local address. */
  readonly peerId: string
  readonly maxParameters: number
  /** Reads that precede a write lock their rows (`StoreCapabilities.rowLocks`). */
  readonly rowLocks: boolean
  /** The send pipeline's policy steps, in order: the built-in ones, then the host's. */
  readonly policies: readonly SendPolicy[]
  /** Request item kinds by `@type` (built-in and the host's), and the host's decider rules. */
  readonly requests: RequestConfig
  /** Built-in content handlers run after the write step, by content `@type`. */
  readonly contentHooks: ReadonlyMap<string, ContentHook>
  /** The resolvers of remote content, by sender, and their timeout. */
  readonly remoteContent: RemoteConfig
  /** Delivery to other engines; undefined without a transport (no work on the send path). */
  readonly delivery: DeliveryContext | undefined
  /** Compiled hot-path statements, reused with new values. */
  readonly templates = new QueryTemplates()
  readonly #writeLock: Mutex | undefined
  /** Group commit (`StoreCapabilities.groupCommit`, with a single writer only). */
  readonly #groups: GroupCommit | undefined
  readonly #afterCommit: AfterCommit
  #closed = false

  constructor(options: {
    store: Store
    clock: Clock
    ids: IdGenerator
    limits: Limits
    hub: EventHub
    peerId: string
    afterCommit: AfterCommit
    policies: readonly SendPolicy[]
    requests: RequestConfig
    contentHooks: ReadonlyMap<string, ContentHook>
    remoteContent: RemoteConfig
    delivery?: DeliveryContext
  }) {
    this.store = options.store
    this.clock = options.clock
    this.ids = options.ids
    this.limits = options.limits
    this.limiter = RateLimiter.of(options.limits)
    this.hub = options.hub
    this.peerId = options.peerId
    this.maxParameters = options.store.capabilities.maxParameters ?? 999
    this.rowLocks = options.store.capabilities.rowLocks ?? false
    this.#writeLock = options.store.capabilities.singleWriter ? new Mutex() : undefined
    this.#afterCommit = options.afterCommit
    this.#groups =
      this.#writeLock && options.store.capabilities.groupCommit
        ? new GroupCommit({
            lock: this.#writeLock,
            store: options.store,
            newTx: (trx, where) => this.#newTx(trx, where),
            afterCommit: options.afterCommit,
            alone: (body, where) => this.#writeAlone(body, where),
          })
        : undefined
    this.policies = options.policies
    this.requests = options.requests
    this.contentHooks = options.contentHooks
    this.remoteContent = options.remoteContent
    this.delivery = options.delivery
  }

  get db(): Kysely<Database> {
    this.assertOpen()
    return this.store.db
  }

  assertOpen(): void {
    if (this.#closed) throw new PigeonholeError('closed', 'this Pigeonhole engine was closed')
  }

  markClosed(): void {
    this.#closed = true
  }

  /** Runs `body` on one snapshot when the store can give one (see `Store.snapshot`). */
  snapshot<T>(body: TransactionBody<T>): Promise<T> {
    this.assertOpen()
    return this.store.snapshot ? this.store.snapshot(body) : body(this.store.db)
  }

  /**
   * Runs one change in one transaction: its events and count deltas are written with it, and
   * emitted after commit. With a single-writer store, changes run one at a time so events
   * are emitted in cursor order straight from here (after what another connection committed);
   * with group commit, those that queue meanwhile share one transaction (`group-commit.ts`).
   * `where` (the method) names a bad clock.
   */
  write<T>(body: (tx: WriteTx) => Promise<T>, where = 'write'): Promise<T> {
    this.assertOpen()
    if (this.#groups) return this.#groups.run(body, where)
    return this.#writeLock
      ? this.#writeLock.run(() => this.#writeAlone(body, where))
      : this.#writeAlone(body, where)
  }

  /** One change in a transaction of its own (under the write lock, when there is one). */
  async #writeAlone<T>(body: (tx: WriteTx) => Promise<T>, where: string): Promise<T> {
    let events: Awaited<ReturnType<WriteTx['flush']>> = []
    // The attempt running now: a store that retries (PostgreSQL) starts another only after
    // this one rolled back.
    let attempt: WriteTx | undefined
    let result: T
    try {
      result = await this.store.transaction(async (trx) => {
        attempt?.rolledBack()
        const tx = this.#newTx(trx, where)
        attempt = tx
        const value = await body(tx)
        events = await tx.flush()
        return value
      })
    } catch (error) {
      attempt?.rolledBack()
      throw error
    }
    // The change's events are emitted before the call returns, so `events.lastCursor`
    // covers it on every store.
    await this.#afterCommit(events, attempt?.db)
    attempt?.committed()
    return result
  }

  /**
   * Runs `body` as `write` would, then rolls the transaction back whatever it did: nothing it
   * wrote stays and no event is written or emitted (a dry run). The reads see what a write
   * would see, row locks included.
   */
  async rehearse<T>(body: (tx: WriteTx) => Promise<T>, where = 'write'): Promise<T> {
    this.assertOpen()
    const run = async () => {
      let attempt: WriteTx | undefined
      try {
        await this.store.transaction(async (trx) => {
          attempt?.rolledBack()
          const tx = this.#newTx(trx, where)
          attempt = tx
          throw new Rehearsed(await body(tx))
        })
      } catch (error) {
        attempt?.rolledBack()
        if (error instanceof Rehearsed) return error.value as T
        throw error
      }
      throw new Error('rehearse: the store committed a transaction whose body threw')
    }
    return this.#writeLock ? this.#writeLock.run(run) : run()
  }

  #newTx(trx: Kysely<Database>, where: string): WriteTx {
    return new WriteTx(
      trx,
      // Checked on every write: a bad time would be stored as null or fail one store only.
      readClock(this.clock, where),
      this.maxParameters,
      !!this.#writeLock,
      this.templates,
      this.store.capabilities.syncStatements,
    )
  }
}

/**
 * Thrown to end a rehearsal's transaction with a rollback, carrying its result. A
 * PigeonholeError so that every store lets it through unwrapped (they pass the engine's own
 * errors on as they are), and one no store retries.
 */
class Rehearsed extends PigeonholeError {
  readonly value: unknown

  constructor(value: unknown) {
    super('store_error', 'a dry run: rolled back on purpose')
    this.value = value
  }
}
