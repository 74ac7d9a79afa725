import { z } from 'zod'
import type { WriteTx } from '../engine/write-tx.js'
import { PigeonholeError } from '../errors.js'
import { decodeHeader, keyLength, wrapKey } from '../files/crypto/index.js'
import type { FilesConfig } from '../files/files.js'
import type { DeliveredFile } from '../transport/port.js'
import { text, timestamp } from '../validation/common.js'

const base64url = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[A-Za-z0-9_-]*$/, 'base64url')

/** A `DeliveredFile` as the receiver checks it (the format's own checks run at download). */
export const deliveredFile = z.object({
  id: text(1, 200),
  name: text(1, 1000),
  mimeType: text(1, 255),
  size: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits'),
  key: base64url(100),
  header: base64url(100),
  chunks: z.array(base64url(Math.ceil(((16 * 1024 * 1024 + 16) * 4) / 3))),
  expiresAt: timestamp.nullable(),
})

/** Sealed chunks written per INSERT (about 1 MiB at the default chunk size). */
const insertBatch = 16

/** Both drivers bind a Buffer. */
function bytes(b64: string): Buffer {
  return Buffer.from(b64, 'base64url')
}

/**
 * The attachments of a message arriving from a peer, stored in the receiver's transaction
 * before the message itself (which links them through `message_files`). Each file keeps its
 * id. It is owned by the remote sender as this engine sees it (`alice@a`) and marked let go
 * by that owner at once (`deleted_at`): no local account owns it, so only the messages that
 * attach it give access to it (their sender and recipients here) and keep it alive (the
 * orphan sweep deletes it once none does). The file key is wrapped with this engine's master
 * key; the header and sealed chunks are stored as they came (the chunk store of this engine):
 * the file format's checks run at every download, so a chunk changed in transit fails it with
 * `integrity_error`. A file whose contents did not travel (expired at the sender, empty key)
 * or that expires before it arrived is kept as expired metadata.
 *
 * A file id this engine already has: the same sender's file (an earlier message brought it)
 * is reused, nothing stored again; anyone else's is `already_exists` (refused). Larger than
 * this engine's `files.maxFileSize`: `file_too_large`. Returns the ids of the files created
 * (to drop them if the message is then refused); blob store writes are added to `written`.
 */
export async function storeReceivedFiles(
  tx: WriteTx,
  config: FilesConfig,
  sender: string,
  files: readonly DeliveredFile[],
  written: string[],
): Promise<string[]> {
  const created: string[] = []
  const where = 'delivery: message.attachments'
  for (const f of files) {
    const existing = await tx.db
      .selectFrom('files')
      .select(['owner'])
      .where('id', '=', f.id)
      .executeTakeFirst()
    if (existing) {
      if (existing.owner === sender) continue
      throw new PigeonholeError(
        'already_exists',
        `${where}: file id "${f.id}" is taken here by another owner`,
        { field: 'message.attachments', fileId: f.id },
      )
    }
    if (f.size > config.maxFileSize) {
      throw new PigeonholeError(
        'file_too_large',
        `${where}: file "${f.id}" has ${f.size} bytes, over this engine's files.maxFileSize (${config.maxFileSize})`,
        { field: 'message.attachments', fileId: f.id, size: f.size, max: config.maxFileSize },
      )
    }
    const expired = f.key === '' || (f.expiresAt !== null && f.expiresAt <= tx.now)
    const row = {
      id: f.id,
      owner: sender,
      name: f.name,
      mime_type: f.mimeType,
      size: f.size,
      sha256: f.sha256,
      created_at: tx.now,
      updated_at: tx.now,
      expires_at: f.expiresAt,
      deleted_at: tx.now,
    }
    if (expired) {
      await tx.db
        .insertInto('files')
        .values({
          ...row,
          status: 'expired',
          header: null,
          wrapped_key: null,
          key_id: null,
          chunk_count: 0,
        })
        .execute()
      created.push(f.id)
      continue
    }
    const key = new Uint8Array(bytes(f.key))
    const header = bytes(f.header)
    try {
      if (key.length !== keyLength) {
        throw new PigeonholeError(
          'invalid_input',
          `${where}: file "${f.id}": key: expected ${keyLength} bytes, got ${key.length}`,
          { field: 'message.attachments.key', fileId: f.id },
        )
      }
      // A header that is not one (version, chunk size) is refused now rather than stored.
      decodeHeader(header)
      const current = config.keys.current
      await tx.db
        .insertInto('files')
        .values({
          ...row,
          status: 'ready',
          header,
          wrapped_key: Buffer.from(wrapKey(current.key, f.id, key)),
          key_id: current.id,
          chunk_count: f.chunks.length,
        })
        .execute()
      created.push(f.id)
    } finally {
      key.fill(0)
    }
    if (config.chunks.inDatabase) {
      for (let at = 0; at < f.chunks.length; at += insertBatch) {
        await tx.db
          .insertInto('file_chunks')
          .values(
            f.chunks
              .slice(at, at + insertBatch)
              .map((c, i) => ({ file_id: f.id, idx: at + i, bytes: bytes(c) })),
          )
          .execute()
      }
    } else {
      written.push(f.id)
      for (let at = 0; at < f.chunks.length; at += insertBatch) {
        await config.chunks.write(
          f.id,
          f.chunks.slice(at, at + insertBatch).map((c, i) => ({ index: at + i, sealed: bytes(c) })),
        )
      }
    }
  }
  return created
}

/** Files created for a message that was then refused: their chunks and rows go again. */
export async function dropReceivedFiles(
  tx: WriteTx,
  config: FilesConfig,
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0) return
  if (config.chunks.inDatabase) {
    await tx.db.deleteFrom('file_chunks').where('file_id', 'in', ids).execute()
  } else {
    for (const id of ids) await config.chunks.delete(id)
  }
  await tx.db.deleteFrom('files').where('id', 'in', ids).execute()
}

/** After a failed transaction: blob store chunks it wrote (rows rolled back). Best effort. */
export async function forgetWritten(config: FilesConfig, written: string[]): Promise<void> {
  for (const id of written.splice(0)) {
    try {
      await config.chunks.delete(id)
    } catch {
      // The blob store keeps them; nothing refers to them.
    }
  }
}
