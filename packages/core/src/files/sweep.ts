import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { EngineContext } from '../engine/context.js'
import { lockRows } from '../engine/row-locks.js'
import type { FilesConfig } from './files.js'
import type { FileSweepResult } from './types.js'

/** Files handled per transaction of the sweep: short transactions let other writers in. */
const sweepBatch = 100
/** An upload that wrote nothing for this long (engine time) was cut short by a crash. */
export const staleUploadMs = 60 * 60 * 1000

/**
 * The files sweep: (1) files past `expiresAt` lose their chunks and key and are stored
 * `expired` (messages keep their metadata); (2) files no message attaches whose owner deleted
 * them, and expired files no message attaches, are deleted with their metadata; (3) uploads
 * that stopped writing an hour ago are deleted. Chunks go before the row that names them, so
 * a crash half-way leaves work for the next sweep, never chunks nobody can find.
 */
export async function sweepFiles(
  ctx: EngineContext,
  config: FilesConfig,
): Promise<FileSweepResult> {
  const result: FileSweepResult = { expired: 0, orphans: 0, staleUploads: 0 }
  const now = ctx.clock.now()

  for (;;) {
    const due = await ctx.db
      .selectFrom('files')
      .select('id')
      .where('status', '=', 'ready')
      .where('expires_at', '<=', now)
      .orderBy('expires_at')
      .limit(sweepBatch)
      .execute()
    for (const { id } of due) await config.chunks.delete(id)
    if (due.length > 0) {
      result.expired += await ctx.write(async (tx) => {
        const done = await tx.db
          .updateTable('files')
          .set({
            status: 'expired',
            header: null,
            wrapped_key: null,
            key_id: null,
            updated_at: tx.now,
          })
          .where(
            'id',
            'in',
            due.map((r) => r.id),
          )
          .where('status', '=', 'ready')
          .executeTakeFirst()
        return Number(done.numUpdatedRows)
      }, 'files.sweep')
    }
    if (due.length < sweepBatch) break
  }

  let after = ''
  for (;;) {
    const orphans = await orphanFiles(ctx.db)
      .where('f.id', '>', after)
      .orderBy('f.id')
      .limit(sweepBatch)
      .execute()
    for (const { id } of orphans) {
      if (await deleteIfOrphan(ctx, config, id)) result.orphans += 1
    }
    if (orphans.length < sweepBatch) break
    after = orphans[orphans.length - 1]!.id
  }

  for (;;) {
    const stale = await ctx.db
      .selectFrom('files')
      .select('id')
      .where('status', '=', 'uploading')
      .where('updated_at', '<', now - staleUploadMs)
      .limit(sweepBatch)
      .execute()
    for (const { id } of stale) {
      await config.chunks.delete(id)
      result.staleUploads += await ctx.write(async (tx) => {
        const done = await tx.db
          .deleteFrom('files')
          .where('id', '=', id)
          .where('status', '=', 'uploading')
          .where('updated_at', '<', now - staleUploadMs)
          .executeTakeFirst()
        return Number(done.numDeletedRows)
      }, 'files.sweep')
    }
    if (stale.length < sweepBatch) break
  }
  return result
}

/**
 * Deletes a file no one references: no message attaches it, and its owner deleted it or it
 * expired. Checked again in the transaction that deletes the row (a send may have attached it
 * meanwhile: then it stays). Its chunks go first.
 */
export async function deleteIfOrphan(
  ctx: EngineContext,
  config: FilesConfig,
  id: string,
): Promise<boolean> {
  const orphan = await ctx.write(async (tx) => {
    const query = orphanFiles(tx.db).where('f.id', '=', id)
    const row = await lockRows(query, ctx, 'update').executeTakeFirst()
    if (!row) return false
    // No longer attachable: the attachments step needs a ready file not deleted by its owner
    // (or received in a message, which would be a reference).
    await tx.db
      .updateTable('files')
      .set({ status: 'deleting', updated_at: tx.now })
      .where('id', '=', id)
      .execute()
    return true
  }, 'files: delete')
  if (!orphan) return false
  await config.chunks.delete(id)
  await ctx.write(async (tx) => {
    await tx.db.deleteFrom('files').where('id', '=', id).where('status', '=', 'deleting').execute()
  }, 'files: delete')
  return true
}

/** Files nobody holds any more: let go by their owner (or expired) and attached to no message. */
function orphanFiles(db: Kysely<Database>) {
  return db
    .selectFrom('files as f')
    .select('f.id')
    .where((eb) =>
      eb.or([eb('f.deleted_at', 'is not', null), eb('f.status', 'in', ['expired', 'deleting'])]),
    )
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('message_files as mf')
            .select('mf.file_id')
            .whereRef('mf.file_id', '=', 'f.id'),
        ),
      ),
    )
}
