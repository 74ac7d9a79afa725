import type { Observable, Subscription } from 'rxjs'
import type { PigeonholeEvent } from '../types.js'
import { yieldToEventLoop } from '../util/yield.js'
import type { ReadEventsAfter } from './event-hub.js'

/** The most events a follower reads from the table at once. */
const maxPage = 500

export interface FollowerOptions {
  /** Live events, in cursor order (the hub's). */
  live: Observable<PigeonholeEvent>
  /** Reads the stored events after a cursor. */
  readAfter: ReadEventsAfter
  /** Hands out the events after this cursor. */
  after: number
  /** The most live events held for the reader; past it, the follower reads the table. */
  highWaterMark: number
  /** Runs before the first read; what it throws ends the stream (a cursor check). */
  check?: () => Promise<void>
}

/**
 * Hands out every event after a cursor, once each and in cursor order, to a reader that pulls
 * at its own pace, holding a bounded number of events whatever that pace. Every event is in
 * the table before it is emitted, so the table is the buffer: live events are queued up to
 * `highWaterMark`; when the reader falls further behind, newer live events are dropped and
 * read back from the table by cursor once the reader has taken what is queued, a page at a
 * time. While a page is read, the live events that arrive are kept (up to `highWaterMark`
 * again): when the page shows the reader caught up, they follow it with no gap; when more
 * arrived than that, the next page reads them. At most `highWaterMark` + one page (500 or
 * `highWaterMark` if smaller) events are held at once.
 */
export class EventFollower implements AsyncIterableIterator<PigeonholeEvent> {
  readonly #readAfter: ReadEventsAfter
  readonly #highWaterMark: number
  readonly #page: number
  readonly #subscription: Subscription
  #check: (() => Promise<void>) | undefined
  /** Ready for the reader, cursors increasing; `#head` is the next to hand out. */
  #queue: PigeonholeEvent[] = []
  #head = 0
  /** The cursor of the newest event queued or handed out. */
  #tail: number
  /** Live events go straight to the queue (the reader has caught up with the table). */
  #live = false
  /** While a page is read: the live events that arrived meanwhile (undefined once too many). */
  #arrived: PigeonholeEvent[] | undefined
  #reading = false
  #wake: (() => void) | undefined
  #ended = false
  #closed = false

  constructor(options: FollowerOptions) {
    this.#readAfter = options.readAfter
    this.#highWaterMark = options.highWaterMark
    this.#page = Math.min(maxPage, options.highWaterMark)
    this.#tail = options.after
    this.#check = options.check
    // Live first: whatever is emitted from now on is either queued, kept while a page is
    // read, or read from the table later.
    this.#subscription = options.live.subscribe({
      next: (event) => this.#onLive(event),
      error: () => this.#end(),
      complete: () => this.#end(),
    })
  }

  /** How many events are held for the reader now (the memory bound is on this). */
  get buffered(): number {
    return this.#queue.length - this.#head + (this.#arrived?.length ?? 0)
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  async next(): Promise<IteratorResult<PigeonholeEvent>> {
    try {
      return await this.#next()
    } catch (error) {
      // A failed read (or cursor check) ends the stream: the reader resumes from its cursor.
      await this.return()
      throw error
    }
  }

  async #next(): Promise<IteratorResult<PigeonholeEvent>> {
    for (;;) {
      if (this.#closed) return { done: true, value: undefined }
      if (this.#head < this.#queue.length) return { done: false, value: this.#take() }
      // The engine closed: what was queued has been handed out; the reader resumes later from
      // the cursor of the last event it handled.
      if (this.#ended) return this.return()
      if (this.#live) await new Promise<void>((resolve) => (this.#wake = resolve))
      else await this.#readPage()
    }
  }

  /** Stops: unsubscribes and drops what is held; a pending `next` ends with done. */
  async return(): Promise<IteratorResult<PigeonholeEvent>> {
    this.#closed = true
    this.#subscription.unsubscribe()
    this.#queue = []
    this.#head = 0
    this.#arrived = undefined
    this.#wake?.()
    return { done: true, value: undefined }
  }

  #take(): PigeonholeEvent {
    const event = this.#queue[this.#head++]!
    if (this.#head === this.#queue.length) {
      this.#queue = []
      this.#head = 0
    }
    return event
  }

  #push(event: PigeonholeEvent): void {
    if (event.cursor <= this.#tail) return
    this.#tail = event.cursor
    this.#queue.push(event)
  }

  #onLive(event: PigeonholeEvent): void {
    if (this.#live) {
      if (event.cursor <= this.#tail) return
      if (this.#queue.length - this.#head < this.#highWaterMark) {
        this.#push(event)
      } else {
        // The reader is too far behind: from here on, the table is its buffer.
        this.#live = false
      }
      this.#wakeReader()
      return
    }
    if (!this.#reading || !this.#arrived) return
    if (this.#arrived.length < this.#highWaterMark) this.#arrived.push(event)
    else this.#arrived = undefined
  }

  #wakeReader(): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }

  #end(): void {
    this.#ended = true
    this.#wakeReader()
  }

  async #readPage(): Promise<void> {
    if (this.#check) {
      const check = this.#check
      this.#check = undefined
      await check()
    }
    this.#arrived = []
    this.#reading = true
    let rows: PigeonholeEvent[]
    try {
      rows = await this.#readAfter(this.#tail, this.#page)
    } catch (error) {
      this.#reading = false
      this.#arrived = undefined
      // Closed by the reader, or the engine closed under the read: the stream just ends.
      if (this.#closed || this.#ended) return
      throw error
    }
    this.#reading = false
    const arrived = this.#arrived
    this.#arrived = undefined
    if (this.#closed) return
    for (const row of rows) this.#push(row)
    if (rows.length < this.#page && arrived) {
      // Caught up when the page was read, and every event emitted since was kept.
      for (const event of arrived) this.#push(event)
      this.#live = true
    } else if (rows.length === this.#page) {
      // A long catch-up must not hold the host's event loop (SQLite reads are synchronous).
      await yieldToEventLoop()
    }
  }
}
