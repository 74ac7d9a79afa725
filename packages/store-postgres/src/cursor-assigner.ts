import { Coalescer } from '@pigeonhole/core'
import type pg from 'pg'
import { toStoreError } from './store-error.js'

/** Rows one round numbers at most; a larger backlog takes more rounds. */
const roundSize = 10_000

/**
 * Gives committed events their cursors after commit, in rounds (see core's migration
 * 002-postgres-event-order): one round at a time per instance, and the database's advisory
 * lock orders rounds across instances. Each round's newest cursor goes to `numbered`.
 */
export class CursorAssigner {
  readonly #pool: pg.Pool
  readonly #sql: string
  readonly #numbered: (cursor: number) => void
  readonly #onError: (error: ReturnType<typeof toStoreError>) => void
  readonly #rounds: Coalescer

  constructor(options: {
    pool: pg.Pool
    schema: string
    numbered: (cursor: number) => void
    onError: (error: ReturnType<typeof toStoreError>) => void
  }) {
    this.#pool = options.pool
    // Read committed, whatever the session's default: after the lock, the numbering
    // statement must see the previous round's commit. One round trip.
    this.#sql = [
      'start transaction isolation level read committed',
      `select top, assigned from "${options.schema}".pigeonhole_assign_cursors(${roundSize})`,
      'commit',
    ].join('; ')
    this.#numbered = options.numbered
    this.#onError = options.onError
    this.#rounds = new Coalescer(() => this.#round())
  }

  /** Numbers every event committed before this call; never rejects (failures go to onError). */
  assign(): Promise<void> {
    return this.#rounds.request()
  }

  idle(): Promise<void> {
    return this.#rounds.idle()
  }

  async #round(): Promise<void> {
    try {
      for (;;) {
        const { top, assigned } = await this.#runOnce()
        if (top !== null) this.#numbered(top)
        if (assigned < roundSize) return
      }
    } catch (error) {
      this.#onError(toStoreError(error))
    }
  }

  async #runOnce(): Promise<{ top: number | null; assigned: number }> {
    const client = await this.#pool.connect()
    let broken: Error | undefined
    try {
      const results = (await client.query(this.#sql)) as unknown as pg.QueryResult[]
      const row = results[1]?.rows[0] as { top: string | number | null; assigned: string | number }
      return { top: row.top === null ? null : Number(row.top), assigned: Number(row.assigned) }
    } catch (error) {
      // The explicit transaction may be left open and aborted: drop this connection.
      broken = error as Error
      throw error
    } finally {
      client.release(broken ?? false)
    }
  }
}
