import { Observable, Subject } from 'rxjs'
import type { PigeonholeEvent } from '../types.js'
import { EventFollower } from './event-follower.js'

/** Reads stored events after a cursor, oldest first. */
export type ReadEventsAfter = (cursor: number, limit: number) => Promise<PigeonholeEvent[]>

/** How many events a follower holds for a slow reader by default. */
export const defaultHighWaterMark = 1000

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
   * Every event after `after`, pulled at the reader's pace with a bounded number held (see
   * `EventFollower`): stored ones first, then live ones; no gap, no duplicate.
   */
  follow(after: number, highWaterMark: number, check?: () => Promise<void>): EventFollower {
    return new EventFollower({
      live: this.events$,
      readAfter: this.#readAfter,
      after,
      highWaterMark,
      ...(check && { check }),
    })
  }

  /**
   * `follow` as an Observable: stored events after `cursor`, then live ones. A subscriber that
   * is slower than the events holds at most `highWaterMark` of them (plus one page); the rest
   * are read back from the table when it gets to them.
   */
  since(
    cursor: number,
    check?: () => Promise<void>,
    highWaterMark = defaultHighWaterMark,
  ): Observable<PigeonholeEvent> {
    return new Observable<PigeonholeEvent>((subscriber) => {
      const follower = this.follow(cursor, highWaterMark, check)
      const pump = async () => {
        for (;;) {
          const next = await follower.next()
          if (next.done) return subscriber.complete()
          subscriber.next(next.value)
        }
      }
      pump().catch((err: unknown) => subscriber.error(err))
      return () => void follower.return()
    })
  }
}
