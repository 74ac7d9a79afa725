import type { Kysely, Selectable } from 'kysely'
import type { Database, FilesTable } from '../db/schema.js'
import { PigeonholeError } from '../errors.js'
import type { FileMeta } from './types.js'

export type FileRow = Selectable<FilesTable>

/** The metadata of a row; `expired` once `expiresAt` is past, swept or not. */
export function toFileMeta(row: FileRow, now: number): FileMeta {
  const expiresAt = row.expires_at === null ? null : Number(row.expires_at)
  return {
    id: row.id,
    owner: row.owner,
    name: row.name,
    mimeType: row.mime_type,
    size: Number(row.size),
    sha256: row.sha256 ?? '',
    createdAt: Number(row.created_at),
    expiresAt,
    expired: row.status === 'expired' || (expiresAt !== null && expiresAt <= now),
  }
}

/** The file row (any status), or undefined. */
export function fileRow(db: Kysely<Database>, id: string): Promise<FileRow | undefined> {
  return db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst()
}

/**
 * Whether `owner` may see file `id`: they own it (and have not deleted it), or they took part
 * in a message that attaches it (sent or received it, even if they deleted their entry since;
 * a retracted message no longer attaches anything).
 */
export async function maySee(db: Kysely<Database>, row: FileRow, owner: string): Promise<boolean> {
  if (row.owner === owner && row.deleted_at === null) return true
  const via = await db
    .selectFrom('message_files as mf')
    .innerJoin('box_entries as e', 'e.message_id', 'mf.message_id')
    .select('mf.message_id')
    .where('mf.file_id', '=', row.id)
    .where('e.owner', '=', owner)
    .limit(1)
    .executeTakeFirst()
  return via !== undefined
}

/** The metadata of `ids` that exist and are not uploading, by id (for messages' `files`). */
export async function metaOf(
  db: Kysely<Database>,
  ids: readonly string[],
  now: number,
): Promise<Map<string, FileMeta>> {
  const out = new Map<string, FileMeta>()
  if (ids.length === 0) return out
  const rows = await db
    .selectFrom('files')
    .selectAll()
    .where('id', 'in', [...new Set(ids)])
    .where('status', '<>', 'uploading')
    .execute()
  for (const row of rows) out.set(row.id, toFileMeta(row, now))
  return out
}

export function noFile(id: string, where: string, extra: Record<string, unknown> = {}) {
  return new PigeonholeError('not_found', `${where}: id: no file "${id}"`, {
    field: 'id',
    id,
    ...extra,
  })
}
