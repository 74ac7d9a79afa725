import type { Kysely } from 'kysely'
import type { Observable } from 'rxjs'
import { z } from 'zod'
import type { Database } from '../db/schema.js'
import type { EngineContext } from '../engine/context.js'
import type { InFlight } from '../engine/in-flight.js'
import { PigeonholeError } from '../errors.js'
import type { PigeonholeEvent } from '../types.js'
import { address } from '../validation/common.js'
import { parseInput } from '../validation/parse.js'
import { defaultHighWaterMark, type EventHub } from './event-hub.js'
import { GuardedObservable, type SubscriberErrorHandler } from './guarded-observable.js'
import { newestCursor, readEventsAfter } from './queries.js'
import { sinceCheck } from './since-check.js'

/** An event cursor: 0 (before the first event) or one an event carried. */
const eventCursor = z.number().int().min(0)

const eventsReadInput = z.strictObject({
  /** Events after this cursor (0: from the first). */
  after: eventCursor,
  /** 1 to 1000, default 100. */
  limit: z.number().int().min(1).max(1000).optional(),
  /** Only the events of this owner (events whose owner is null are then left out). */
  owner: address.optional(),
})

const eventsStreamInput = z
  .strictObject({
    /** Events after this cursor; default: the newest emitted (only what comes next). */
    since: eventCursor.optional(),
    /** 1 to 100000, default 1000. */
    highWaterMark: z.number().int().min(1).max(100_000).optional(),
  })
  .optional()

/** One page of stored events (`events.read`). */
export interface EventPage {
  items: PigeonholeEvent[]
  /** The cursor to pass as `after` next: the last item's, or `after` when there was none. */
  nextCursor: number
}

/**
 * Events pulled at the reader's pace (`for await`): every event after the start cursor, once
 * each, in cursor order, with at most `highWaterMark` + 500 held however slow the reader is.
 */
export interface EventStream extends AsyncIterableIterator<PigeonholeEvent> {
  /** How many events are held for the reader now. */
  readonly buffered: number
  /** Stops the stream (a pending `next` ends with done); `break` in `for await` calls it. */
  return(): Promise<IteratorResult<PigeonholeEvent>>
}

export interface EventsFacade {
  /**
   * Stored events after `cursor` (0: from the start), then live ones; no gap, no duplicate.
   * A cursor past the newest stored event errors the stream with `invalid_input`. A subscriber
   * slower than the events holds at most 1000 of them; the rest are read back from the table.
   */
  since(cursor: number): Observable<PigeonholeEvent>
  /**
   * The events after `since` (default: what comes next), pulled with `for await`: the reader
   * sets the pace and at most `highWaterMark` (default 1000) + 500 events are held for it,
   * the rest read back from the table by cursor when it gets to them. Nothing lost, nothing
   * twice, in cursor order. `since` past the newest stored event: the first `next` rejects
   * with `invalid_input`. Ends (done) when the engine closes.
   */
  stream(options?: { since?: number; highWaterMark?: number }): EventStream
  /**
   * One page of stored events after `after`, oldest first, for clients that poll (the same
   * cursor as `since`). `after` past the newest stored event is `invalid_input` on `after`,
   * as for `since`. With `owner`, only that owner's events.
   */
  read(input: { after: number; limit?: number; owner?: string }): Promise<EventPage>
  /** The cursor of the newest event this engine has emitted. */
  readonly lastCursor: number
}

/** `ph.events`: following, streaming and paging the event table. */
export function eventsFacade(
  db: Kysely<Database>,
  hub: EventHub,
  ctx: EngineContext,
  inFlight: InFlight,
  report: SubscriberErrorHandler,
): EventsFacade {
  const emitted = () => hub.lastCursor
  const newest = () => newestCursor(db)
  return {
    since: (cursor) => {
      const from = parseInput(eventCursor, cursor, 'events.since', 'cursor')
      const check = sinceCheck({ method: 'events.since', field: 'cursor' }, from, emitted, newest)
      return GuardedObservable.of(hub.since(from, check), report)
    },
    stream: (options) => {
      const parsed = parseInput(eventsStreamInput, options, 'events.stream', 'options')
      ctx.assertOpen()
      const from = parsed?.since ?? hub.lastCursor
      const check = sinceCheck({ method: 'events.stream', field: 'since' }, from, emitted, newest)
      return hub.follow(from, parsed?.highWaterMark ?? defaultHighWaterMark, check)
    },
    read: (input) =>
      inFlight.run(async () => {
        const where = 'events.read'
        const { after, limit, owner } = parseInput(eventsReadInput, input, where)
        ctx.assertOpen()
        const items = await readEventsAfter(db, after, limit ?? 100, owner)
        if (items.length === 0 && after > 0) {
          const newestStored = await newest()
          if (after > newestStored) {
            throw new PigeonholeError(
              'invalid_input',
              `${where}: after: cursor ${after} is past the newest stored event (${newestStored})`,
              { field: 'after', expected: `a cursor up to ${newestStored}`, got: String(after) },
            )
          }
        }
        return { items, nextCursor: items.at(-1)?.cursor ?? after }
      }),
    get lastCursor() {
      return hub.lastCursor
    },
  }
}
