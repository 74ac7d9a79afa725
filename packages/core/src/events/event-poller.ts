import type { EventHub, ReadEventsAfter } from './event-hub.js'

/**
 * For stores where several connections write: after a commit (or a wake-up from another
 * instance), reads the event table past the hub's cursor and publishes in order. Pokes that
 * arrive while a read runs are coalesced into one more read.
 */
export class EventPoller {
  readonly #hub: EventHub
  readonly #readAfter: ReadEventsAfter
  #running: Promise<void> | undefined
  #again = false
  #stopped = false

  constructor(hub: EventHub, readAfter: ReadEventsAfter) {
    this.#hub = hub
    this.#readAfter = readAfter
  }

  /** Asks for a read; returns when the hub has caught up with what was committed before. */
  poke(): Promise<void> {
    if (this.#stopped) return Promise.resolve()
    if (this.#running) {
      this.#again = true
      return this.#running
    }
    // A failed read is retried by the next poke; the cursor has not moved past it.
    this.#running = this.#drain()
      .catch(() => undefined)
      .finally(() => {
        this.#running = undefined
      })
    return this.#running
  }

  async stop(): Promise<void> {
    this.#stopped = true
    await this.#running
  }

  async #drain(): Promise<void> {
    do {
      this.#again = false
      for (;;) {
        const rows = await this.#readAfter(this.#hub.lastCursor, 500)
        this.#hub.publish(rows)
        if (rows.length < 500 || this.#stopped) break
      }
    } while (this.#again && !this.#stopped)
  }
}
