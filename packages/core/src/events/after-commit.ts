import type { Store } from '../store-port.js'
import type { PigeonholeEvent } from '../types.js'
import type { EventHub } from './event-hub.js'
import type { EventPoller } from './event-poller.js'

/** What the engine does after each of its commits, with the events that commit wrote. */
export type AfterCommit = (events: readonly PigeonholeEvent[]) => Promise<void>

/**
 * Emits a commit's events on the hub with no gap. A single-writer store returns them with
 * their cursors, but another connection on the same file (a second engine) may have committed
 * since this engine's last event: those are read from the table first, or `publish` would
 * skip them for good. Other stores number events after commit; the poller reads them back.
 */
export function afterCommit(store: Store, hub: EventHub, poller: EventPoller): AfterCommit {
  if (!store.capabilities.singleWriter) {
    return async () => {
      await store.events?.committed()
      await poller.poke()
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
