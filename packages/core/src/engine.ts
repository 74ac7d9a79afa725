import type { Observable } from 'rxjs'
import { z } from 'zod'
import { Accounts } from './accounts/accounts.js'
import { Admin } from './admin/admin.js'
import { Boxes } from './boxes/boxes.js'
import { migrateToLatest } from './db/migrate.js'
import { readClock } from './engine/clock.js'
import { defaultLimits, EngineContext, type Limits } from './engine/context.js'
import { systemClock, ulidIds } from './engine/ids.js'
import { pigeonholeOptions } from './engine/options.js'
import { EventHub } from './events/event-hub.js'
import { EventPoller } from './events/event-poller.js'
import { newestCursor, readEventsAfter } from './events/queries.js'
import { boundedSince } from './events/since-bound.js'
import { Messages } from './messages/messages.js'
import type { Store } from './store-port.js'
import { Threads } from './threads/threads.js'
import type { Clock, Difference, IdGenerator, PigeonholeEvent } from './types.js'
import { parseInput } from './validation/parse.js'
import { parseOptions } from './validation/parse-options.js'
import { verify } from './verify/verify.js'

/** An event cursor: 0 (before the first event) or one an event carried. */
const eventCursor = z.number().int().min(0)

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
}

/** The engine: facades over one store, and the stream of everything that happens. */
export interface Pigeonhole {
  readonly accounts: Accounts
  readonly messages: Messages
  readonly boxes: Boxes
  readonly threads: Threads
  /** Reads for trusted host code, with no access check: any message, any receipts. */
  readonly admin: Admin
  /** Every committed event after open, once each, in cursor order. */
  readonly events$: Observable<PigeonholeEvent>
  readonly events: {
    /**
     * Stored events after `cursor` (0: from the start), then live ones; no gap, no duplicate.
     * A cursor past the newest stored event errors the stream with `invalid_input`.
     */
    since(cursor: number): Observable<PigeonholeEvent>
    /** The cursor of the newest event this engine has emitted. */
    readonly lastCursor: number
  }
  /** Recounts what is kept incrementally; returns the differences (empty when all is well). */
  verify(): Promise<Difference[]>
  /** Completes `events$` and closes the store. */
  close(): Promise<void>
}

/**
 * Opens an engine on a store: checks the options (unknown keys, types, the clock's time), runs
 * migrations, then returns the facades.
 */
export async function openPigeonhole(options: PigeonholeOptions): Promise<Pigeonhole> {
  const where = 'openPigeonhole'
  const parsed = parseOptions(pigeonholeOptions, options, where)
  const { store } = parsed
  const limits = { ...defaultLimits, ...parsed.limits }
  const clock = parsed.clock ?? systemClock
  // A clock that gives no usable time fails here, not at the first write.
  readClock(clock, where)
  await migrateToLatest(store.db, store.dialect, store.schema)
  const readAfter = (cursor: number, limit: number) => readEventsAfter(store.db, cursor, limit)
  const hub = new EventHub(readAfter, await newestCursor(store.db))
  const poller = store.capabilities.singleWriter ? undefined : new EventPoller(hub, readAfter)
  // Other instances' commits wake the poller; a wake-up for what was emitted already is dropped.
  const stopListening = await store.events?.listen((cursor) => {
    if (cursor === undefined || cursor > hub.lastCursor) void poller?.poke()
  })
  const ctx = new EngineContext({
    store,
    clock,
    ids: parsed.ids ?? ulidIds(clock),
    limits,
    hub,
    peerId: parsed.peerId ?? 'local',
    afterCommit: async () => {
      await store.events?.committed()
      await poller?.poke()
    },
  })
  let closing: Promise<void> | undefined
  return {
    accounts: new Accounts(ctx),
    messages: new Messages(ctx),
    boxes: new Boxes(ctx),
    threads: new Threads(ctx),
    admin: new Admin(ctx),
    events$: hub.events$,
    events: {
      since: (cursor) =>
        boundedSince(
          parseInput(eventCursor, cursor, 'events.since', 'cursor'),
          () => hub.lastCursor,
          () => newestCursor(store.db),
          (from) => hub.since(from),
        ),
      get lastCursor() {
        return hub.lastCursor
      },
    },
    verify: () => verify(ctx),
    close: () => {
      closing ??= (async () => {
        ctx.markClosed()
        await stopListening?.()
        await poller?.stop()
        hub.complete()
        await store.close()
      })()
      return closing
    },
  }
}
