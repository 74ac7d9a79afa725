import { Observable, Subject } from 'rxjs'
import type { PigeonholeEvent } from '../types.js'
import { yieldToEventLoop } from '../util/yield.js'

/** Reads stored events after a cursor, oldest first. */
export type ReadEventsAfter = (cursor: number, limit: number) => Promise<PigeonholeEvent[]>

const replayPage = 500

/**
 * Emits every committed event once, in cursor order, and replays stored ones for `since`.
 * Whoever commits (or polls) calls `publish` in cursor order; older cursors are dropped.
 */
export class EventHub {
  readonly #subject = new Subject<PigeonholeEvent>()
  readonly #readAfter: ReadEventsAfter
  #last: number

  /** Every event after the engine opened, in cursor order. */
  readonly events$: Observable<PigeonholeEvent> = this.#subject.asObservable()

  constructor(readAfter: ReadEventsAfter, lastCursor: number) {
    this.#readAfter = readAfter
    this.#last = lastCursor
  }

  /** The cursor of the newest event emitted so far. */
  get lastCursor(): number {
    return this.#last
  }

  publish(events: readonly PigeonholeEvent[]): void {
    for (const event of events) {
      if (event.cursor <= this.#last) continue
      this.#last = event.cursor
      this.#subject.next(event)
    }
  }

  complete(): void {
    this.#subject.complete()
  }

  /**
   * Stored events after `cursor`, then live ones: subscribes to live first and buffers, reads
   * the table page by page, then drains the buffer past the last replayed cursor. No gap, no
   * duplicate.
   */
  since(cursor: number): Observable<PigeonholeEvent> {
    return new Observable<PigeonholeEvent>((subscriber) => {
      let last = cursor
      let replaying = true
      const buffer: PigeonholeEvent[] = []
      const deliver = (event: PigeonholeEvent) => {
        if (event.cursor <= last) return
        last = event.cursor
        subscriber.next(event)
      }
      const live = this.#subject.subscribe({
        next: (event) => (replaying ? buffer.push(event) : deliver(event)),
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      })
      const replay = async () => {
        for (;;) {
          const rows = await this.#readAfter(last, replayPage)
          for (const row of rows) {
            if (subscriber.closed) return
            deliver(row)
          }
          if (rows.length < replayPage) break
          // A long replay must not hold the host's event loop (SQLite reads are synchronous).
          await yieldToEventLoop()
        }
        for (const event of buffer.splice(0)) deliver(event)
        replaying = false
      }
      replay().catch((err: unknown) => subscriber.error(err))
      return () => live.unsubscribe()
    })
  }
}
