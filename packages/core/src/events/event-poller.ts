import type { EventHub, ReadEventsAfter } from './event-hub.js'

const page = 500

/**
 * For stores where several connections write: after a commit (or a wake-up from another
 * instance), reads the event table past the hub's cursor and publishes in order. Pokes that
 * arrive while a read runs are coalesced into one more read, which starts after them.
 */
export class EventPoller {
  readonly #hub: EventHub
  readonly #readAfter: ReadEventsAfter
  readonly #waiting: { ticket: number; resolve: () => void }[] = []
  #running: Promise<void> | undefined
  /** Pokes asked for so far, and pokes covered by a read that started after them. */
  #asked = 0
  #served = 0
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
    const ticket = ++this.#asked
    const done = new Promise<void>((resolve) => this.#waiting.push({ ticket, resolve }))
    this.#running ??= this.#loop()
    return done
  }

  async stop(): Promise<void> {
    this.#stopped = true
    await this.#running
  }

  async #loop(): Promise<void> {
    while (this.#served < this.#asked && !this.#stopped) {
      const covers = this.#asked
      try {
        await this.#drain()
      } catch {
        // Left for the next poke; the callers' changes are committed either way.
      }
      this.#served = covers
      this.#release(covers)
    }
    this.#running = undefined
    this.#release(Number.POSITIVE_INFINITY)
  }

  #release(upTo: number): void {
    while (this.#waiting.length > 0 && this.#waiting[0]!.ticket <= upTo) {
      this.#waiting.shift()!.resolve()
    }
  }

  async #drain(): Promise<void> {
    for (;;) {
      const rows = await this.#readAfter(this.#hub.lastCursor, page)
      this.#hub.publish(rows)
      if (rows.length < page || this.#stopped) return
    }
  }
}
