import type { Insertable, Updateable } from 'kysely'
import type { RequestsTable } from '../db/schema.js'
import type { WriteTx } from '../engine/write-tx.js'
import { PigeonholeError } from '../errors.js'
import { parseJson } from '../util/json.js'
import type { RequestRow } from './rows.js'
import type { RequestDirection, RequestStatus, RequestStatusChange } from './types.js'

/** Every legal step, per direction. `Completed` has none: it never changes. */
const transitions: Record<RequestDirection, Partial<Record<RequestStatus, RequestStatus[]>>> = {
  outgoing: {
    Draft: ['Open', 'Expired'],
    Open: ['Completed', 'Expired'],
    // A Response created before expiresAt still completes an outgoing request.
    Expired: ['Completed'],
  },
  incoming: {
    Open: ['DecisionRequired', 'Expired'],
    DecisionRequired: ['ManualDecisionRequired', 'Decided', 'Expired'],
    ManualDecisionRequired: ['Decided', 'Expired'],
    Decided: ['Completed'],
  },
}

/** Statuses past which a request can no longer expire. */
export const undecided: readonly RequestStatus[] = [
  'Draft',
  'Open',
  'DecisionRequired',
  'ManualDecisionRequired',
]

export function canMove(
  direction: RequestDirection,
  from: RequestStatus,
  to: RequestStatus,
): boolean {
  return transitions[direction][from]?.includes(to) ?? false
}

/** True when the request is past its `expiresAt` and not yet decided. */
export function isDue(row: { status: string; expires_at: number | null }, now: number): boolean {
  return (
    row.expires_at !== null &&
    now > Number(row.expires_at) &&
    undecided.includes(row.status as RequestStatus)
  )
}

/**
 * One side of a request being changed in a write: each `move` is checked against the table
 * above, appended to the history and emitted as `request.statusChanged`; `save` writes the row
 * once (insert for a new side, else an update that bumps the version).
 */
export class RequestState {
  readonly #tx: WriteTx
  readonly #row: RequestRow | Insertable<RequestsTable>
  readonly #isNew: boolean
  readonly #history: RequestStatusChange[]
  readonly #patch: Updateable<RequestsTable> = {}

  constructor(tx: WriteTx, row: RequestRow | Insertable<RequestsTable>, isNew: boolean) {
    this.#tx = tx
    this.#row = row
    this.#isNew = isNew
    this.#history = parseJson<RequestStatusChange[]>(row.history)
    if (isNew) this.#emit(null, row.status as RequestStatus)
  }

  get status(): RequestStatus {
    return (this.#patch.status ?? this.#row.status) as RequestStatus
  }

  get row(): RequestRow {
    return {
      ...this.#row,
      ...this.#patch,
      history: JSON.stringify(this.#history),
    } as RequestRow
  }

  /** Moves to `to`; an illegal step is `invalid_transition` (and the write rolls back). */
  move(to: RequestStatus, by?: string): this {
    const from = this.status
    const direction = this.#row.direction as RequestDirection
    if (!canMove(direction, from, to)) {
      throw new PigeonholeError(
        'invalid_transition',
        `request ${this.#row.id}: an ${direction} request cannot go from ${from} to ${to}`,
        { requestId: this.#row.id, direction, status: from, to },
      )
    }
    this.#history.push(
      by === undefined ? { from, to, at: this.#tx.now } : { from, to, at: this.#tx.now, by },
    )
    this.#patch.status = to
    this.#emit(from, to)
    return this
  }

  /** Sets other columns in the same write. */
  set(patch: Updateable<RequestsTable>): this {
    Object.assign(this.#patch, patch)
    return this
  }

  async save(): Promise<RequestRow> {
    const row = this.row
    if (this.#isNew) {
      await this.#tx.db.insertInto('requests').values(row).execute()
      return row
    }
    const version = Number(this.#row.version) + 1
    await this.#tx.db
      .updateTable('requests')
      .set({ ...this.#patch, history: row.history, updated_at: this.#tx.now, version })
      .where('owner', '=', this.#row.owner)
      .where('id', '=', this.#row.id)
      .execute()
    return { ...row, updated_at: this.#tx.now, version }
  }

  #emit(from: RequestStatus | null, to: RequestStatus): void {
    const row = this.#row
    this.#tx.emit({
      type: 'request.statusChanged',
      owner: row.owner,
      messageId: (this.#patch.source_message_id ?? row.source_message_id) || null,
      data: { requestId: row.id, direction: row.direction, oldStatus: from, newStatus: to },
    })
  }
}
