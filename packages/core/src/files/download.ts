import type { EngineContext } from '../engine/context.js'
import { PigeonholeError } from '../errors.js'
import { FileDecryptor, unwrapKey } from './crypto/index.js'
import type { FilesConfig } from './files.js'
import { type FileRow, toFileMeta } from './queries.js'
import type { FileDownload, FileMeta } from './types.js'

/** Chunks read per query (about 1 MiB at the default chunk size). */
const readBatch = 16

/**
 * The plaintext of a ready file the caller may read (checked before): the key unwrapped now,
 * chunks read `readBatch` at a time as the consumer pulls, each verified before it is given.
 */
export function openDownload(
  ctx: EngineContext,
  config: FilesConfig,
  row: FileRow,
  where: string,
): FileDownload {
  const file = toFileMeta(row, ctx.clock.now())
  if (row.status !== 'ready' || file.expired) {
    throw new PigeonholeError('not_found', `${where}: id: file "${row.id}" has expired`, {
      field: 'id',
      id: row.id,
      expired: true,
    })
  }
  const master = config.keys.byId(row.key_id ?? '')
  if (!master || !row.wrapped_key || !row.header) {
    throw new PigeonholeError(
      'integrity_error',
      `${where}: the key of file "${row.id}" was wrapped by a master key this engine does not have`,
      { id: row.id, keyId: row.key_id },
    )
  }
  const key = unwrapKey(master, row.id, row.wrapped_key)
  const decryptor = new FileDecryptor(key, row.header, {
    expect: { size: file.size, sha256: file.sha256 },
  })
  const plaintext = decryptor.decrypt(sealedChunks(config, row.id, Number(row.chunk_count)))
  return { file, stream: toStream(wiping(plaintext, key)) }
}

/** `source`, then the file key wiped (the cipher uses it lazily, so only once done). */
async function* wiping(source: AsyncGenerator<Uint8Array>, key: Uint8Array) {
  try {
    yield* source
  } finally {
    key.fill(0)
  }
}

async function* sealedChunks(
  config: FilesConfig,
  fileId: string,
  count: number,
): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < count; at += readBatch) {
    const batch = await config.chunks.read(fileId, at, Math.min(readBatch, count - at))
    yield* batch
    // A missing chunk: the decryptor fails on the gap (or on the missing end).
    if (batch.length < Math.min(readBatch, count - at)) return
  }
}

/** A pull stream over `source`: nothing is read before the consumer asks. */
function toStream(source: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await source.next()
          if (next.done) controller.close()
          else controller.enqueue(next.value)
        } catch (error) {
          controller.error(error)
        }
      },
      async cancel() {
        await source.return(undefined)
      },
    },
    { highWaterMark: 0 },
  )
}

/** The whole plaintext of a download (for small files: it is all in memory). */
export async function readAll(file: FileMeta, stream: ReadableStream<Uint8Array>) {
  const out = new Uint8Array(file.size)
  let at = 0
  const reader = stream.getReader()
  for (;;) {
    const next = await reader.read()
    if (next.done) break
    out.set(next.value, at)
    at += next.value.length
  }
  return out
}
