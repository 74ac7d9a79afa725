import type { EngineContext } from '../engine/context.js'
import type { SealedChunk } from './crypto/index.js'
import type { BlobStore } from './types.js'

/** Where the files facade keeps sealed chunks: the `file_chunks` table or a `BlobStore`. */
export interface ChunkStore {
  /** True when chunks are rows of `file_chunks` (verify checks them). */
  readonly inDatabase: boolean
  /** Writes a batch of one file's chunks. */
  write(fileId: string, chunks: readonly SealedChunk[]): Promise<void>
  /** Chunks `from` to `from + count - 1` in order; stops early at the first missing one. */
  read(fileId: string, from: number, count: number): Promise<Uint8Array[]>
  /** Deletes every chunk of the file. */
  delete(fileId: string): Promise<void>
}

/** Rows deleted per statement when a file's chunks go (short statements on a big file). */
const deleteBatch = 1024

/** Both drivers bind a Buffer; a view of the same memory, no copy. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
}

/** Chunks as rows of `file_chunks` (blob / bytea), each batch in one short transaction. */
export function databaseChunks(ctx: EngineContext): ChunkStore {
  return {
    inDatabase: true,
    async write(fileId, chunks) {
      if (chunks.length === 0) return
      await ctx.write(async (tx) => {
        await tx.db
          .insertInto('file_chunks')
          .values(chunks.map((c) => ({ file_id: fileId, idx: c.index, bytes: asBuffer(c.sealed) })))
          .execute()
      }, 'files: chunks')
    },
    async read(fileId, from, count) {
      const rows = await ctx.db
        .selectFrom('file_chunks')
        .select(['idx', 'bytes'])
        .where('file_id', '=', fileId)
        .where('idx', '>=', from)
        .where('idx', '<', from + count)
        .orderBy('idx')
        .execute()
      const out: Uint8Array[] = []
      for (const row of rows) {
        // A gap ends the read: the decryptor then fails on what follows (or on the end).
        if (Number(row.idx) !== from + out.length) break
        out.push(row.bytes)
      }
      return out
    },
    async delete(fileId) {
      for (;;) {
        const done = await ctx.write(async (tx) => {
          const idx = await tx.db
            .selectFrom('file_chunks')
            .select('idx')
            .where('file_id', '=', fileId)
            .orderBy('idx')
            .limit(deleteBatch)
            .execute()
          if (idx.length === 0) return 0
          await tx.db
            .deleteFrom('file_chunks')
            .where('file_id', '=', fileId)
            .where('idx', '<=', Number(idx[idx.length - 1]!.idx))
            .execute()
          return idx.length
        }, 'files: delete chunks')
        if (done < deleteBatch) return
      }
    },
  }
}

/** Chunks in a host's `BlobStore`. */
export function blobChunks(blobs: BlobStore): ChunkStore {
  return {
    inDatabase: false,
    async write(fileId, chunks) {
      for (const c of chunks) await blobs.put(fileId, c.index, c.sealed)
    },
    async read(fileId, from, count) {
      const out: Uint8Array[] = []
      for (let i = from; i < from + count; i++) {
        const bytes = await blobs.get(fileId, i)
        if (bytes === undefined) break
        out.push(bytes)
      }
      return out
    },
    delete: (fileId) => blobs.delete(fileId),
  }
}
