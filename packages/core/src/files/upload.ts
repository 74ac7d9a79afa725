import { accountExists } from '../accounts/lookup.js'
import { normalizeAddress } from '../engine/addresses.js'
import type { EngineContext } from '../engine/context.js'
import { PigeonholeError } from '../errors.js'
import { parseInput } from '../validation/parse.js'
import { FileEncryptor, generateFileKey, type SealedChunk, wrapKey } from './crypto/index.js'
import type { FilesConfig } from './files.js'
import { type FileRow, toFileMeta } from './queries.js'
import { type UploadInput, uploadInput } from './schemas.js'
import { limited, pieces } from './source.js'
import type { FileMeta } from './types.js'

/** Sealed bytes written per batch (one short transaction each): about 1 MiB. */
const batchBytes = 1024 * 1024
/** An unfinished upload writes its row's `updated_at` this often (engine time), ms. */
const heartbeatMs = 60_000

/**
 * Uploads one file: its row first (`uploading`), then the sealed chunks in batches of about
 * 1 MiB, each its own short transaction (no write lock held for the whole upload), then one
 * transaction that marks it `ready` with its metadata and wrapped key and emits
 * `file.uploaded`. Whatever fails (the source, the size limit, the store) deletes what was
 * written. Holds about one batch of ciphertext and one chunk of plaintext at a time.
 */
export async function upload(
  ctx: EngineContext,
  config: FilesConfig,
  input: UploadInput,
): Promise<FileMeta> {
  const where = 'files.upload'
  const parsed = parseInput(uploadInput, input, where)
  const owner = normalizeAddress(parsed.owner, ctx.peerId)
  if (parsed.expiresAt !== undefined && parsed.expiresAt <= ctx.clock.now()) {
    throw new PigeonholeError(
      'invalid_input',
      `${where}: expiresAt: expected a time after now (${ctx.clock.now()}), got ${parsed.expiresAt}`,
      { field: 'expiresAt', expected: 'a time after now', got: parsed.expiresAt },
    )
  }
  const id = ctx.ids.next('fil')
  let last = await ctx.write(async (tx) => {
    if (!(await accountExists(tx.db, owner))) {
      throw new PigeonholeError('not_found', `${where}: owner: no account "${owner}"`, {
        field: 'owner',
        address: owner,
      })
    }
    await tx.db
      .insertInto('files')
      .values({
        id,
        owner,
        name: parsed.name,
        mime_type: parsed.mimeType,
        status: 'uploading',
        size: 0,
        sha256: null,
        header: null,
        wrapped_key: null,
        key_id: null,
        chunk_count: 0,
        created_at: tx.now,
        updated_at: tx.now,
        expires_at: parsed.expiresAt ?? null,
        deleted_at: null,
      })
      .execute()
    return tx.now
  }, where)

  const key = generateFileKey()
  try {
    const encryptor = new FileEncryptor(key, { chunkSize: config.chunkSize })
    let batch: SealedChunk[] = []
    let bytes = 0
    const flush = async () => {
      await config.chunks.write(id, batch)
      batch = []
      bytes = 0
      const now = ctx.clock.now()
      if (now - last >= heartbeatMs) {
        last = now
        await ctx.write(async (tx) => {
          await tx.db
            .updateTable('files')
            .set({ updated_at: tx.now })
            .where('id', '=', id)
            .execute()
        }, where)
      }
    }
    const source = limited(pieces(parsed.data), config.maxFileSize, where)
    for await (const chunk of encryptor.encrypt(source)) {
      batch.push(chunk)
      bytes += chunk.sealed.length
      if (bytes >= batchBytes) await flush()
    }
    await flush()
    const summary = encryptor.summary()
    return await ctx.write(async (tx) => {
      const current = config.keys.current
      const wrapped = wrapKey(current.key, id, key)
      const row = await tx.db
        .updateTable('files')
        .set({
          status: 'ready',
          size: summary.size,
          sha256: summary.sha256,
          header: Buffer.from(encryptor.header),
          wrapped_key: Buffer.from(wrapped),
          key_id: current.id,
          chunk_count: summary.chunkCount,
          updated_at: tx.now,
        })
        .where('id', '=', id)
        .where('status', '=', 'uploading')
        .returningAll()
        .executeTakeFirst()
      if (!row) {
        throw new PigeonholeError(
          'store_error',
          `${where}: the upload of "${id}" was removed while it ran (by the sweep of stale uploads: no chunk was written for over an hour)`,
          { id },
        )
      }
      tx.emit({
        type: 'file.uploaded',
        owner,
        data: { fileId: id, name: parsed.name, mimeType: parsed.mimeType, size: summary.size },
      })
      return toFileMeta(row as FileRow, tx.now)
    }, where)
  } catch (error) {
    await discard(ctx, config, id)
    throw error
  } finally {
    key.fill(0)
  }
}

/** Deletes an unfinished upload: its chunks, then its row. Best effort: the sweep retries. */
async function discard(ctx: EngineContext, config: FilesConfig, id: string): Promise<void> {
  try {
    await config.chunks.delete(id)
    await ctx.write(async (tx) => {
      await tx.db
        .deleteFrom('files')
        .where('id', '=', id)
        .where('status', '=', 'uploading')
        .execute()
    }, 'files.upload: clean up')
  } catch {
    // Left for the sweep of stale uploads.
  }
}
