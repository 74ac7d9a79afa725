import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { EntryRole, EventType, Json, PigeonholeEvent } from '../types.js'
import { chunk } from '../util/chunk.js'

/** An event as a change records it; the cursor comes from the insert. */
export interface NewEvent {
  type: EventType
  owner?: string | null
  messageId?: string | null
  role?: EntryRole | null
  data?: { [key: string]: Json }
}

/** The handle every write gets: the transaction, its time, and the outbox and count deltas. */
export class WriteTx {
  readonly db: Kysely<Database>
  /** One timestamp for the whole change. */
  readonly now: number
  readonly #events: NewEvent[] = []
  readonly #counts = new Map<
    string,
    { owner: string; box: string; total: number; unread: number }
  >()
  readonly #maxParameters: number

  constructor(db: Kysely<Database>, now: number, maxParameters: number) {
    this.db = db
    this.now = now
    this.#maxParameters = maxParameters
  }

  /** Records an event, written with the change. */
  emit(event: NewEvent): void {
    this.#events.push(event)
  }

  /** Adds to the live totals of a box (negative to take away). */
  count(owner: string, box: string, total: number, unread: number): void {
    const key = `${owner}\u0000${box}`
    const row = this.#counts.get(key)
    if (row) {
      row.total += total
      row.unread += unread
    } else {
      this.#counts.set(key, { owner, box, total, unread })
    }
  }

  /** Writes the count deltas and the events; returns the events with their cursors. */
  async flush(): Promise<PigeonholeEvent[]> {
    // Always in one order, so concurrent writers lock count rows alike and do not deadlock.
    const deltas = [...this.#counts.values()].sort((a, b) =>
      a.owner === b.owner ? (a.box < b.box ? -1 : 1) : a.owner < b.owner ? -1 : 1,
    )
    for (const rows of chunk(deltas, Math.floor(this.#maxParameters / 4))) {
      await this.db
        .insertInto('box_counts')
        .values(rows)
        .onConflict((oc) =>
          oc.columns(['owner', 'box']).doUpdateSet((eb) => ({
            total: eb('box_counts.total', '+', eb.ref('excluded.total')),
            unread: eb('box_counts.unread', '+', eb.ref('excluded.unread')),
          })),
        )
        .execute()
    }
    if (this.#events.length === 0) return []
    const out: PigeonholeEvent[] = []
    const dataOf = (e: NewEvent) => (e.role ? { role: e.role, ...(e.data ?? {}) } : (e.data ?? {}))
    for (const events of chunk(this.#events, Math.floor(this.#maxParameters / 6))) {
      const inserted = await this.db
        .insertInto('events')
        .values(
          events.map((e) => ({
            type: e.type,
            owner: e.owner ?? null,
            message_id: e.messageId ?? null,
            entry_role: e.role ?? null,
            data: JSON.stringify(dataOf(e)),
            created_at: this.now,
          })),
        )
        .returning('cursor')
        .execute()
      // Cursors are assigned in row order; RETURNING order is not promised, so sort.
      const cursors = inserted.map((r) => Number(r.cursor)).sort((a, b) => a - b)
      events.forEach((e, i) => {
        out.push({
          cursor: cursors[i]!,
          type: e.type,
          at: this.now,
          owner: e.owner ?? null,
          messageId: e.messageId ?? null,
          data: dataOf(e),
        })
      })
    }
    return out
  }
}
