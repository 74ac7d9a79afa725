import type { Observable } from 'rxjs'
import { Accounts } from './accounts/accounts.js'
import { Admin } from './admin/admin.js'
import { ApiKeys } from './api-keys/api-keys.js'
import { Boxes } from './boxes/boxes.js'
import { Consent } from './consent/consent.js'
import { type DeliveryOptions, defaultDeliveryOptions } from './delivery/options.js'
import { receiveBatch } from './delivery/receiver.js'
import { DeliveryWorker } from './delivery/worker.js'
import { readClock } from './engine/clock.js'
import {
  type DeliveryContext,
  defaultLimits,
  EngineContext,
  type Limits,
} from './engine/context.js'
import { systemClock, ulidIds } from './engine/ids.js'
import { InFlight, tracked } from './engine/in-flight.js'
import { migrateStore } from './engine/migrate-store.js'
import { pigeonholeOptions } from './engine/options.js'
import { PeriodicSweep } from './engine/periodic-sweep.js'
import { PigeonholeError } from './errors.js'
import { afterCommit } from './events/after-commit.js'
import { EventHub } from './events/event-hub.js'
import { EventPoller } from './events/event-poller.js'
import { type EventsFacade, eventsFacade } from './events/events-facade.js'
import { GuardedObservable, logSubscriberError } from './events/guarded-observable.js'
import { newestCursor, readEventsAfter } from './events/queries.js'
import { blobChunks, databaseChunks } from './files/chunk-store.js'
import { defaultChunkSize } from './files/crypto/index.js'
import { Files } from './files/files.js'
import { openMasterKeys } from './files/master-key.js'
import type { BlobStore } from './files/types.js'
import { Messages } from './messages/messages.js'
import { RemoteConfig } from './messages/remote.js'
import { requestHooks } from './requests/effects.js'
import { requestConfig } from './requests/processors.js'
import { Requests } from './requests/requests.js'
import type { RequestDecider, RequestItemProcessor } from './requests/types.js'
import type { SendPolicy } from './send/policy.js'
import { builtinSteps } from './send/steps/index.js'
import type { Store } from './store-port.js'
import { Threads } from './threads/threads.js'
import { type EngineLink, engineLink } from './transport/link.js'
import type { DeliveryReceiver, Transport } from './transport/port.js'
import type {
  Clock,
  Difference,
  IdGenerator,
  PigeonholeEvent,
  RemoteContentResolvers,
  VerifyOptions,
} from './types.js'
import { addressPartPattern } from './validation/common.js'
import { parseOptions } from './validation/parse-options.js'
import { verify } from './verify/verify.js'
import { Webhooks } from './webhooks/webhooks.js'

export interface PigeonholeOptions {
  /** Where everything is kept: `sqliteStore(...)`, `postgresStore(...)`. */
  store: Store
  /** Time source in ms since the epoch. Default: `Date.now`. */
  clock?: Clock
  /** Id source. Default: ULIDs prefixed by kind (`msg_01JD...`), seeded by `clock`. */
  ids?: IdGenerator
  /**
   * This engine's peer id: `alice@<peerId>` is the local `alice`. Default: 'local'. One
   * address part (letters, digits, `.`, `_`, `-`), folded to lower case.
   */
  peerId?: string
  /** Limits; each has a documented default (see `Limits`). */
  limits?: Partial<Limits>
  /**
   * Gets what a subscriber of `events$` or `events.since(...)` throws (from next, error or
   * complete, or an error of the stream it had no handler for), with the value being
   * delivered (undefined for a stream error). The engine, that subscriber's later events and
   * the other subscribers go on. Default: `console.error` with what happened.
   */
  onSubscriberError?: (error: unknown, event: unknown) => void
  /** The Request protocol (see the Requests section of the README). */
  requests?: {
    /** Host item kinds, next to the built-in ones (a built-in kind may be replaced). Default: none. */
    processors?: RequestItemProcessor[]
    /** Rules that decide incoming requests as they arrive, asked in order. Default: none. */
    deciders?: RequestDecider[]
    /**
     * How often requests past `expiresAt` that nobody reads are stored `Expired`, in ms; 0: never
     * (call `requests.expireDue()` yourself). Default: 60000.
     */
    sweepIntervalMs?: number
  }
  /** Files and attachments (see the files section of the README). */
  files?: {
    /**
     * The master key that wraps every file key: 32 bytes, kept outside the store (an
     * environment secret, a KMS). Default: one generated on the first open and kept in the
     * store (protects a copied blob directory, not a copied database).
     */
    masterKey?: Uint8Array
    /** Where sealed chunks live. Default: the database (`file_chunks`). */
    blobStore?: BlobStore
    /** Largest file in bytes; larger uploads fail with `file_too_large`. Default: 104857600 (100 MiB). */
    maxFileSize?: number
    /** How often the files sweep runs, in ms; 0: never (call `files.sweep()`). Default: 60000. */
    sweepIntervalMs?: number
    /** Plaintext bytes per sealed chunk (1 to 16 MiB). Default: 65536. Small values are for tests. */
    chunkSize?: number
  }
  /**
   * Host policy steps of the send pipeline (mute lists, filters, ...), run in order inside the
   * send's transaction after the built-in ones. Default: none.
   */
  policies?: SendPolicy[]
  /**
   * Delivery to other engines: addresses `bob@<other peer>` go through it (see the transports
   * section of the README). The engine starts it on open and stops it on close. Its `peerId`
   * is this engine's (`peerId`, if given too, must be the same). Default: none (remote
   * addresses are `recipient_not_found`).
   */
  transport?: Transport
  /** How the outbox worker delivers and retries; each field has a default (see `DeliveryOptions`). */
  delivery?: Partial<DeliveryOptions>
  /** Messages whose content stays with the sender (see "Remote content" in the README). */
  remoteContent?: {
    /**
     * Who fetches each sender's content: resolvers by sender address (folded like every
     * address), or a function from the sender's address to its resolver (undefined: none).
     * Default: none, so every remote message reads as unavailable (`no_resolver`).
     */
    resolvers?: RemoteContentResolvers
    /**
     * How long one resolver call may take, in ms (1 to 600000); then its `signal` aborts and
     * the read gives the stored content with `resolver_timeout`. Default: 5000.
     */
    timeoutMs?: number
  }
}

/** The engine: facades over one store, and the stream of everything that happens. */
export interface Pigeonhole {
  readonly accounts: Accounts
  readonly messages: Messages
  readonly boxes: Boxes
  readonly threads: Threads
  /** Who may message whom (see the consent section of the README). */
  readonly consent: Consent
  readonly requests: Requests
  /** Encrypted files and attachments. */
  readonly files: Files
  /** Reads for trusted host code, with no access check: any message, any receipts. */
  readonly admin: Admin
  /** Every committed event after open, once each, in cursor order. */
  readonly events$: Observable<PigeonholeEvent>
  /** Following, streaming and paging the stored events (see `EventsFacade`). */
  readonly events: EventsFacade
  /** Recounts what is kept incrementally; returns the differences (empty when all is well). */
  verify(options?: VerifyOptions): Promise<Difference[]>
  /**
   * Lets the calls in flight finish (calls made from now on fail with `closed`), then
   * completes `events$` and closes the store. Calling it again returns the same promise.
   */
  close(): Promise<void>
}

/** This engine's peer id: the transport's, which `peerId` (if given) must equal; else `peerId` or 'local'. */
function enginePeerId(
  peerId: string | undefined,
  transport: Transport | undefined,
  where: string,
): string {
  if (!transport) return peerId ?? 'local'
  const own = typeof transport.peerId === 'string' ? transport.peerId.toLowerCase() : ''
  if (!addressPartPattern.test(own)) {
    throw new PigeonholeError(
      'invalid_input',
      `${where}: transport: expected a peerId that is one address part, got ${JSON.stringify(transport.peerId)}`,
      { field: 'transport.peerId', got: transport.peerId },
    )
  }
  if (peerId !== undefined && peerId !== own) {
    throw new PigeonholeError(
      'invalid_input',
      `${where}: peerId: expected the transport's peer id "${own}", got "${peerId}"`,
      { field: 'peerId', expected: own, got: peerId },
    )
  }
  return own
}

/**
 * Opens an engine on a store: checks the options (unknown keys, types, the clock's time), runs
 * migrations, then returns the facades.
 */
export async function openPigeonhole(options: PigeonholeOptions): Promise<Pigeonhole> {
  const where = 'openPigeonhole'
  const parsed = parseOptions(pigeonholeOptions, options, where)
  const { store } = parsed
  const transport = parsed.transport as Transport | undefined
  const peerId = enginePeerId(parsed.peerId, transport, where)
  const limits = { ...defaultLimits, ...parsed.limits }
  const clock = parsed.clock ?? systemClock
  let worker: DeliveryWorker | undefined
  const delivery: DeliveryContext | undefined = transport && {
    transport,
    options: { ...defaultDeliveryOptions, ...parsed.delivery },
    wake: () => worker?.wake(),
  }
  // A clock that gives no usable time fails here, not at the first write.
  readClock(clock, where)
  await migrateStore(store)
  const masterKeys = await openMasterKeys(
    store.db,
    parsed.files?.masterKey,
    readClock(clock, where),
  )
  const readAfter = (cursor: number, limit: number) => readEventsAfter(store.db, cursor, limit)
  const hub = new EventHub(readAfter, await newestCursor(store.db))
  // Reads what other connections committed: other instances, or another engine on the file.
  const poller = new EventPoller(hub, readAfter)
  // Their commits wake the poller; a wake-up for what was emitted already is dropped.
  const stopListening = await store.events?.listen((cursor) => {
    if (cursor === undefined || cursor > hub.lastCursor) void poller.poke()
  })
  const ctx = new EngineContext({
    store,
    clock,
    ids: parsed.ids ?? ulidIds(clock),
    limits,
    hub,
    peerId,
    afterCommit: afterCommit(store, hub, poller),
    policies: [...builtinSteps, ...(parsed.policies ?? [])],
    requests: requestConfig(parsed.requests?.processors, parsed.requests?.deciders),
    contentHooks: requestHooks,
    remoteContent: new RemoteConfig(
      parsed.remoteContent?.resolvers,
      parsed.remoteContent?.timeoutMs,
      peerId,
    ),
    ...(delivery && { delivery }),
  })
  const filesConfig = {
    chunks: parsed.files?.blobStore ? blobChunks(parsed.files.blobStore) : databaseChunks(ctx),
    keys: masterKeys,
    maxFileSize: parsed.files?.maxFileSize ?? 100 * 1024 * 1024,
    chunkSize: parsed.files?.chunkSize ?? defaultChunkSize,
  }
  worker =
    delivery && new DeliveryWorker(ctx, delivery.options, delivery.options.onError, filesConfig)
  const requests = new Requests(ctx)
  // What a subscriber throws goes here, never to RxJS's rethrow that kills the process.
  const report = parsed.onSubscriberError ?? logSubscriberError
  let closing: Promise<void> | undefined
  // Every facade call is tracked: close() lets them finish, later ones fail with `closed`.
  const inFlight = new InFlight()
  const sweep = new PeriodicSweep(
    'request expiry sweep',
    () => inFlight.run(() => requests.expireDue()),
    parsed.requests?.sweepIntervalMs ?? 60_000,
  )
  if (transport && worker) {
    const w = worker
    const link: EngineLink = { idle: () => w.idle(), wake: w.wake, nextDue: () => w.nextDue() }
    const receiver: DeliveryReceiver = (from, batch) =>
      inFlight.run(() => receiveBatch(ctx, from, batch, filesConfig))
    await transport.start(Object.assign(receiver, { [engineLink]: link }))
    // Rows left by an earlier run (closed or crashed with deliveries waiting) go now.
    w.wake()
  }
  const files = new Files(ctx, filesConfig)
  const webhooks = new Webhooks(ctx)
  const fileSweep = new PeriodicSweep(
    'files sweep',
    () => inFlight.run(() => files.sweep()),
    parsed.files?.sweepIntervalMs ?? 60_000,
  )
  return {
    accounts: tracked(new Accounts(ctx), inFlight),
    messages: tracked(new Messages(ctx), inFlight),
    boxes: tracked(new Boxes(ctx), inFlight),
    threads: tracked(new Threads(ctx), inFlight),
    consent: tracked(new Consent(ctx), inFlight),
    requests: tracked(requests, inFlight),
    files: tracked(files, inFlight),
    admin: tracked(
      new Admin(ctx, tracked(new ApiKeys(ctx), inFlight), tracked(webhooks, inFlight)),
      inFlight,
    ),
    events$: GuardedObservable.of(hub.events$, report),
    events: eventsFacade(store.db, hub, ctx, inFlight, report),
    verify: (options) => inFlight.run(() => verify(ctx, options)),
    close: () => {
      closing ??= (async () => {
        sweep.stop()
        fileSweep.stop()
        if (transport && worker) {
          // The batch in flight finishes (its answer recorded); what waits stays for the next open.
          await worker.stop()
          await transport.stop()
        }
        await inFlight.close()
        // Webhook sends in flight finish (their answers recorded); the queues' leases are given back.
        await webhooks.stopAll()
        ctx.markClosed()
        await stopListening?.()
        await poller.stop()
        hub.complete()
        await store.close()
      })()
      return closing
    },
  }
}
