import { Coalescer } from '../util/coalescer.js'
import { yieldToEventLoop } from '../util/yield.js'
import type { EventHub, ReadEventsAfter } from './event-hub.js'

const page = 500

/**
 * Reads what other connections committed: after a commit on a multi-writer store, on a
 * wake-up from another instance, or when a single-writer store's commit finds the hub behind.
 * Reads the event table past the hub's cursor and publishes in order. Pokes that
 * arrive while a read runs are served together by one more read, which starts after them.
 */
export class EventPoller {
  readonly #hub: EventHub
  readonly #readAfter: ReadEventsAfter
  readonly #reads = new Coalescer(() => this.#drain())
  #stopped = false

  constructor(hub: EventHub, readAfter: ReadEventsAfter) {
    this.#hub = hub
    this.#readAfter = readAfter
  }

  /**
   * Asks for a read; resolves once a read that started after this call has finished, so the
   * hub has caught up with what was committed before. Never rejects: a failed read is retried
   * by the next poke (the hub's cursor has not moved past it).
   */
  poke(): Promise<void> {
    if (this.#stopped) return Promise.resolve()
    return this.#reads.request()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    await this.#reads.idle()
  }

  async #drain(): Promise<void> {
    try {
      for (;;) {
        const rows = await this.#readAfter(this.#hub.lastCursor, page)
        this.#hub.publish(rows)
        if (rows.length < page || this.#stopped) return
        // A long backlog must not hold the host's event loop (SQLite reads are synchronous).
        await yieldToEventLoop()
      }
    } catch {
      // Left for the next poke; the callers' changes are committed either way.
    }
  }
}
