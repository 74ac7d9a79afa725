import type { Selectable } from 'kysely'
import type { BoxEntriesTable, MessagesTable } from '../db/schema.js'
import type { BoxEntry, BoxItem, Content, EntryRole, Message } from '../types.js'
import { parseJson } from '../util/json.js'

export function toMessage(row: Selectable<MessagesTable>): Message {
  return {
    id: row.id,
    from: row.sender,
    to: parseJson<string[]>(row.recipients),
    content: parseJson<Content>(row.content),
    attachments: parseJson<string[]>(row.attachments),
    threadId: row.thread_id,
    broadcast: Number(row.broadcast) === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    version: Number(row.version),
    idempotencyKey: row.idempotency_key,
    retractedAt: row.retracted_at === null ? null : Number(row.retracted_at),
  }
}

export function toEntry(row: Selectable<BoxEntriesTable>): BoxEntry {
  return {
    owner: row.owner,
    messageId: row.message_id,
    role: row.role as EntryRole,
    box: row.box,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    version: Number(row.version),
    readAt: row.read_at === null ? null : Number(row.read_at),
    deletedAt: row.deleted_at === null ? null : Number(row.deleted_at),
  }
}

/** Columns of an entry joined with its message, under unambiguous names. */
export const itemColumns = [
  'e.owner',
  'e.message_id',
  'e.role',
  'e.box',
  'e.created_at as e_created_at',
  'e.updated_at as e_updated_at',
  'e.version as e_version',
  'e.read_at',
  'e.seen_at',
  'e.deleted_at',
  'm.id',
  'm.sender',
  'm.recipients',
  'm.content',
  'm.content_type',
  'm.attachments',
  'm.thread_id',
  'm.broadcast',
  'm.created_at',
  'm.updated_at',
  'm.version',
  'm.idem_sender',
  'm.idempotency_key',
  'm.payload_hash',
  'm.retracted_at',
] as const

export type ItemRow = Selectable<MessagesTable> & {
  owner: string
  message_id: string
  role: string
  box: string
  e_created_at: number
  e_updated_at: number
  e_version: number
  read_at: number | null
  seen_at: number | null
  deleted_at: number | null
}

export function toItem(row: ItemRow): BoxItem {
  return {
    entry: toEntry({
      owner: row.owner,
      message_id: row.message_id,
      role: row.role,
      box: row.box,
      created_at: row.e_created_at,
      updated_at: row.e_updated_at,
      version: row.e_version,
      read_at: row.read_at,
      seen_at: row.seen_at,
      deleted_at: row.deleted_at,
    }),
    message: toMessage(row),
  }
}
