import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { EventType, PigeonholeEvent } from '../types.js'
import { parseJson } from '../util/json.js'

/** Stored events after `cursor`, oldest first. */
export async function readEventsAfter(
  db: Kysely<Database>,
  cursor: number,
  limit: number,
  owner?: string,
): Promise<PigeonholeEvent[]> {
  let query = db.selectFrom('events').selectAll().where('cursor', '>', cursor)
  if (owner !== undefined) query = query.where('owner', '=', owner)
  const rows = await query.orderBy('cursor').limit(limit).execute()
  return rows.map(eventFromRow)
}

/** A stored event row (its columns as the event table names them) as the event it is. */
export function eventFromRow(r: {
  cursor: unknown
  type: string
  created_at: unknown
  owner: string | null
  message_id: string | null
  data: unknown
}): PigeonholeEvent {
  return {
    cursor: Number(r.cursor),
    type: r.type as EventType,
    at: Number(r.created_at),
    owner: r.owner,
    messageId: r.message_id,
    data: parseJson(r.data),
  }
}

/** The newest stored cursor, 0 when there is none. */
export async function newestCursor(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.max('cursor').as('max'))
    .executeTakeFirst()
  return Number(row?.max ?? 0)
}
