import type { Kysely } from 'kysely'
import type { Dialect } from '../dialect.js'

// biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was
type AnyDb = Kysely<any>

/**
 * Files (issue 12): `files` holds one row per uploaded file (metadata, the format header and
 * the wrapped file key); `file_chunks` the sealed chunks when they live in the database;
 * `message_files` which messages attach which files (access and references); `settings` the
 * engine's own values (the generated master key).
 */
export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  const bytes = dialect === 'postgres' ? 'bytea' : 'blob'
  await db.schema
    .createTable('files')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('mime_type', 'text', (c) => c.notNull())
    // 'uploading', 'ready' or 'expired' (chunks and key gone, metadata kept for messages).
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text')
    .addColumn('header', bytes)
    .addColumn('wrapped_key', bytes)
    .addColumn('key_id', 'text')
    .addColumn('chunk_count', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    // Set when the owner deleted it (or was removed): the owner no longer references it.
    .addColumn('deleted_at', 'bigint')
    .execute()
  await db.schema.createIndex('files_owner').on('files').columns(['owner', 'id']).execute()
  await db.schema
    .createIndex('files_status_expiry')
    .on('files')
    .columns(['status', 'expires_at'])
    .execute()
  await db.schema
    .createTable('file_chunks')
    .addColumn('file_id', 'text', (c) => c.notNull())
    .addColumn('idx', 'integer', (c) => c.notNull())
    .addColumn('bytes', bytes, (c) => c.notNull())
    .addPrimaryKeyConstraint('file_chunks_pk', ['file_id', 'idx'])
    .execute()
  await db.schema
    .createTable('message_files')
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('file_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('message_files_pk', ['message_id', 'file_id'])
    .execute()
  await db.schema
    .createIndex('message_files_file')
    .on('message_files')
    .columns(['file_id', 'message_id'])
    .execute()
  await db.schema
    .createTable('settings')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
}
