import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { Store } from '../store-port.js'
import type { PigeonholeEvent } from '../types.js'
import type { EventHub } from './event-hub.js'
import type { EventPoller } from './event-poller.js'

/** What the engine does after each of its commits, with the events that commit wrote. */
export type AfterCommit = (
  events: readonly PigeonholeEvent[],
  transaction?: Kysely<Database>,
) => Promise<void>

/**
 * Emits a commit's events on the hub with no gap. A single-writer store returns them with
 * their cursors, but another connection on the same file (a second engine) may have committed
 * since this engine's last event: those are read from the table first, or `publish` would
 * skip them for good. Other stores number events after commit: the events of the numbering
 * round are emitted when they follow the hub's cursor, else the poller reads them back.
 */
export function afterCommit(store: Store, hub: EventHub, poller: EventPoller): AfterCommit {
  if (!store.capabilities.singleWriter) {
    return async (_, transaction) => {
      const round = await store.events?.committed(transaction)
      // The round's events follow what the hub has: emitted as they are, no read-back.
      if (round && round.after <= hub.lastCursor) hub.publish(round.events)
      const newest = round ? (round.events.at(-1)?.cursor ?? round.after) : undefined
      if (newest === undefined || hub.lastCursor < newest) await poller.poke()
    }
  }
  return async (events) => {
    const first = events[0]
    if (!first) return
    if (first.cursor !== hub.lastCursor + 1) await poller.poke()
    // When the read failed, ours wait too: the next poke reads them in order.
    if (first.cursor <= hub.lastCursor + 1) hub.publish(events)
  }
}
