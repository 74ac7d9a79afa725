import type { Insertable, Kysely, Selectable } from 'kysely'
import type { Database, RequestsTable } from '../db/schema.js'
import type { EngineContext } from '../engine/context.js'
import { lockRows } from '../engine/row-locks.js'
import { chunk } from '../util/chunk.js'
import { parseJson } from '../util/json.js'
import type {
  LocalRequest,
  RequestContent,
  RequestDirection,
  RequestStatus,
  RequestStatusChange,
  ResponseContent,
} from './types.js'

export type RequestRow = Selectable<RequestsTable>

export function toRequest(row: RequestRow): LocalRequest {
  const response =
    row.response === null
      ? null
      : {
          content: parseJson<ResponseContent>(row.response),
          messageId: row.response_message_id ?? '',
          createdAt: Number(row.responded_at),
        }
  return {
    id: row.id,
    owner: row.owner,
    direction: row.direction as RequestDirection,
    peer: row.peer,
    status: row.status as RequestStatus,
    content: parseJson<RequestContent>(row.content),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    sourceMessageId: row.source_message_id,
    response,
    history: parseJson<RequestStatusChange[]>(row.history),
    version: Number(row.version),
  }
}

/** A new side of a request, with its first status in the history. */
export function newRequestRow(fields: {
  owner: string
  id: string
  direction: RequestDirection
  peer: string
  status: RequestStatus
  content: RequestContent
  now: number
  sourceMessageId: string | null
}): Insertable<RequestsTable> {
  const history: RequestStatusChange[] = [{ from: null, to: fields.status, at: fields.now }]
  return {
    owner: fields.owner,
    id: fields.id,
    direction: fields.direction,
    peer: fields.peer,
    status: fields.status,
    content: JSON.stringify(fields.content),
    created_at: fields.now,
    updated_at: fields.now,
    expires_at: fields.content.expiresAt ?? null,
    source_message_id: fields.sourceMessageId,
    response: null,
    response_message_id: null,
    responded_at: null,
    history: JSON.stringify(history),
    version: 1,
  }
}

/** One side of a request, locked for update when the store runs writers side by side. */
export async function findRequest(
  ctx: EngineContext,
  db: Kysely<Database>,
  owner: string,
  id: string,
  lock: boolean,
): Promise<RequestRow | undefined> {
  const query = db
    .selectFrom('requests')
    .selectAll()
    .where('owner', '=', owner)
    .where('id', '=', id)
  return (lock ? lockRows(query, ctx, 'update') : query).executeTakeFirst()
}

/** The rows of (owner, id) pairs, keyed `owner\0id`; locked for update (rowLocks). */
export async function findRequests(
  ctx: EngineContext,
  db: Kysely<Database>,
  keys: readonly { owner: string; id: string }[],
): Promise<Map<string, RequestRow>> {
  const found = new Map<string, RequestRow>()
  for (const part of chunk(keys, Math.floor(ctx.maxParameters / 2))) {
    const query = db
      .selectFrom('requests')
      .selectAll()
      .where((eb) =>
        eb(
          eb.refTuple('owner', 'id'),
          'in',
          part.map((k) => eb.tuple(k.owner, k.id)),
        ),
      )
    for (const row of await lockRows(query, ctx, 'update').execute()) {
      found.set(requestKey(row.owner, row.id), row)
    }
  }
  return found
}

export function requestKey(owner: string, id: string): string {
  return `${owner}\u0000${id}`
}
