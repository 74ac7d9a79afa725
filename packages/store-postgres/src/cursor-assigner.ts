import {
  Coalescer,
  eventFromRow,
  type NumberedEvents,
  type PigeonholeEvent,
} from '@pigeonhole/core'
import type pg from 'pg'
import { toStoreError } from './store-error.js'

/** Rows one round numbers at most; a larger backlog takes more rounds. */
const roundSize = 10_000

/** An event row as the numbering statement returns it; `prev` on every row (nulls: none). */
interface NumberedRow {
  prev: string | number | null
  cursor: string | number | null
  type: string
  owner: string | null
  message_id: string | null
  data: unknown
  created_at: string | number
}

/**
 * Gives committed events their cursors after commit, in rounds (see core's migration
 * 002-postgres-event-order): one round at a time per instance, and the database's advisory
 * lock (the one `pigeonhole_assign_cursors` takes) orders rounds across instances. A round
 * returns the events it numbered and the newest cursor before it, so the engine emits them
 * without reading them back; its newest cursor goes to `numbered`.
 */
export class CursorAssigner {
  readonly #pool: pg.Pool
  readonly #sql: string
  readonly #numbered: (cursor: number) => void
  readonly #onError: (error: ReturnType<typeof toStoreError>) => void
  readonly #rounds: Coalescer
  /** What the last round made readable; undefined after a failed one. */
  #last: NumberedEvents | undefined
  /** Rounds running: coalesced ones, and those a COMMIT carries. */
  #running = 0

  constructor(options: {
    pool: pg.Pool
    schema: string
    numbered: (cursor: number) => void
    onError: (error: ReturnType<typeof toStoreError>) => void
  }) {
    this.#pool = options.pool
    const events = `"${options.schema}".events`
    // One round trip: read committed whatever the session's default, so the statement after
    // the lock sees the previous round's commit. The update's sub-statements share one
    // snapshot, so `prev` is the newest cursor before this round: the rows returned are
    // exactly the events with cursors above it. Zero rows numbered: one row, `prev` only.
    this.#sql = [
      'start transaction isolation level read committed',
      `select pg_advisory_xact_lock(1885956717, '${events}'::regclass::oid::integer)`,
      `with todo as (
         select o.id, nextval('"${options.schema}".events_cursor_seq') as c
         from (select id from ${events} where cursor is null order by id limit ${roundSize}) o
       ), done as (
         update ${events} e set cursor = todo.c from todo where e.id = todo.id
         returning e.cursor, e.type, e.owner, e.message_id, e.data, e.created_at
       )
       select m.prev, d.* from (select max(cursor) as prev from ${events}) m
       left join done d on true order by d.cursor`,
      'commit',
    ].join('; ')
    this.#numbered = options.numbered
    this.#onError = options.onError
    this.#rounds = new Coalescer(() => this.#round())
  }

  /**
   * Numbers every event committed before this call; resolves with what the round that did it
   * made readable (undefined if it failed). Never rejects (failures go to onError).
   */
  async assign(): Promise<NumberedEvents | undefined> {
    await this.#rounds.request()
    // Set at the end of the round that served this call: the next one has not ended yet.
    return this.#last
  }

  idle(): Promise<void> {
    return this.#rounds.idle()
  }

  /**
   * A round for a COMMIT to carry (sent right behind it on its connection, so it runs after
   * that commit at no extra round trip), when no other round is running; else undefined (the
   * transaction's events are numbered by `assign`). `done` must be called once it is over.
   */
  carry(): { sql: string; done: () => void } | undefined {
    if (this.#running > 0) return undefined
    this.#running += 1
    let over = false
    return {
      sql: this.#sql,
      done: () => {
        if (over) return
        over = true
        this.#running -= 1
      },
    }
  }

  /**
   * What a round carried by a commit made readable (as `assign` resolves), or `assign`'s
   * round when it failed or left a backlog.
   */
  async carried(results: Promise<pg.QueryResult[]>): Promise<NumberedEvents | undefined> {
    let rows: NumberedRow[]
    try {
      rows = (await results)[2]!.rows as NumberedRow[]
    } catch {
      return this.assign()
    }
    const round = this.#read(rows)
    return rows.length < roundSize ? round : this.assign()
  }

  /** The events of one round's rows; their newest cursor goes to `numbered`. */
  #read(rows: readonly NumberedRow[]): NumberedEvents {
    const events: PigeonholeEvent[] = []
    for (const row of rows) if (row.cursor !== null) events.push(eventFromRow(row))
    const top = events.at(-1)?.cursor
    if (top !== undefined) this.#numbered(top)
    return { after: Number(rows[0]?.prev ?? 0), events }
  }

  async #round(): Promise<void> {
    this.#running += 1
    let after: number | undefined
    const events: PigeonholeEvent[] = []
    try {
      for (;;) {
        const rows = await this.#runOnce()
        const round = this.#read(rows)
        after ??= round.after
        events.push(...round.events)
        if (rows.length < roundSize) break
      }
      this.#last = { after: after ?? 0, events }
    } catch (error) {
      this.#last = undefined
      this.#onError(toStoreError(error))
    } finally {
      this.#running -= 1
    }
  }

  async #runOnce(): Promise<NumberedRow[]> {
    const client = await this.#pool.connect()
    let broken: Error | undefined
    try {
      const results = (await client.query(this.#sql)) as unknown as pg.QueryResult[]
      return results[2]!.rows as NumberedRow[]
    } catch (error) {
      // The explicit transaction may be left open and aborted: drop this connection.
      broken = error as Error
      throw error
    } finally {
      client.release(broken ?? false)
    }
  }
}
