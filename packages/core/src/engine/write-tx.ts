import type { Insertable, Kysely } from 'kysely'
import { CountDeltas } from '../boxes/counts.js'
import type { Database, EventsTable } from '../db/schema.js'
import type { SyncStatements } from '../store-port.js'
import type { EntryRole, EventType, Json, PigeonholeEvent } from '../types.js'
import { insertRows } from './insert-rows.js'
import type { QueryTemplates, StatementTarget } from './query-templates.js'

/** An event as a change records it; the cursor comes from the insert. */
export interface NewEvent {
  type: EventType
  owner?: string | null
  messageId?: string | null
  role?: EntryRole | null
  data?: { [key: string]: Json }
  /** `data` as JSON text, when the caller has it already (a large event); no `role` then. */
  serialized?: string
}

/** The handle every write gets: the transaction, its time, and the outbox and count deltas. */
export class WriteTx implements StatementTarget {
  readonly db: Kysely<Database>
  /** The store's synchronous statements (`StoreCapabilities.syncStatements`), if any. */
  readonly sync: SyncStatements | undefined
  /** One timestamp for the whole change. */
  readonly now: number
  readonly #events: NewEvent[] = []
  readonly #counts = new CountDeltas()
  readonly #maxParameters: number
  readonly #singleWriter: boolean
  readonly #templates: QueryTemplates
  /** What to undo outside the database if the transaction does not commit (rate-limit takes). */
  #onRollback: (() => void)[] | undefined
  /** What to run once the transaction committed (waking the delivery worker). */
  #afterCommit: (() => void)[] | undefined

  /**
   * `singleWriter`: the store has one writer (SQLite), so the rows of one INSERT get
   * consecutive cursors and `flush` returns the events with them; otherwise the store numbers
   * events after commit (PostgreSQL) and the engine reads them back, so `flush` returns none.
   */
  constructor(
    db: Kysely<Database>,
    now: number,
    maxParameters: number,
    singleWriter: boolean,
    templates: QueryTemplates,
    sync?: SyncStatements,
  ) {
    this.db = db
    this.sync = sync
    this.#templates = templates
    this.now = now
    this.#maxParameters = maxParameters
    this.#singleWriter = singleWriter
  }

  /** Runs `undo` if this transaction rolls back (or its commit fails); never after a commit. */
  onRollback(undo: () => void): void {
    this.#onRollback ??= []
    this.#onRollback.push(undo)
  }

  /** Runs `then` once this transaction committed; never if it rolls back. Once per function. */
  afterCommit(then: () => void): void {
    this.#afterCommit ??= []
    if (!this.#afterCommit.includes(then)) this.#afterCommit.push(then)
  }

  /** Called by the engine after the commit. */
  committed(): void {
    const then = this.#afterCommit
    this.#afterCommit = undefined
    if (then) for (const f of then) f()
  }

  /** Called by the engine when the transaction did not commit. */
  rolledBack(): void {
    const undo = this.#onRollback
    this.#onRollback = undefined
    if (undo) for (const f of undo) f()
  }

  /** Records an event, written with the change. */
  emit(event: NewEvent): void {
    this.#events.push(event)
  }

  /** Adds to the live totals of a box (negative to take away); `boxes/counts.ts` writes them. */
  count(owner: string, box: string, total: number, unread: number): void {
    this.#counts.add(owner, box, total, unread)
  }

  /** Writes the count deltas and the events; returns the events with their cursors (one writer). */
  async flush(): Promise<PigeonholeEvent[]> {
    await this.#counts.write(this.#templates, this, this.#maxParameters)
    if (this.#events.length === 0) return []
    const out: PigeonholeEvent[] = []
    const events = this.#events
    const data = new Array<{ [key: string]: Json }>(events.length)
    const rows = new Array<Insertable<EventsTable>>(events.length)
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!
      const d = e.role ? { role: e.role, ...e.data } : (e.data ?? {})
      data[i] = d
      rows[i] = {
        type: e.type,
        owner: e.owner ?? null,
        message_id: e.messageId ?? null,
        entry_role: e.role ?? null,
        data: e.serialized ?? JSON.stringify(d),
        created_at: this.now,
      }
    }
    // No RETURNING: with one writer, AUTOINCREMENT gives the rows of one INSERT consecutive
    // cursors ending at the last inserted rowid (RETURNING cost ~15% of a 1000-row insert).
    const results = await insertRows(this.#templates, this, 'events', rows, this.#maxParameters)
    if (!this.#singleWriter) return out
    let done = 0
    for (const inserted of results) {
      const count = Number(inserted.numAffectedRows ?? 0)
      if (inserted.insertId === undefined) throw new Error('events: the store gave no insert id')
      const first = Number(inserted.insertId) - count + 1
      for (let i = 0; i < count; i++) {
        const e = events[done + i]!
        out.push({
          cursor: first + i,
          type: e.type,
          at: this.now,
          owner: e.owner ?? null,
          messageId: e.messageId ?? null,
          data: data[done + i]!,
        })
      }
      done += count
    }
    return out
  }
}
