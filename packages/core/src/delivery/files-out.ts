import type { Selectable } from 'kysely'
import type { FilesTable, OutboxTable } from '../db/schema.js'
import type { EngineContext } from '../engine/context.js'
import { PigeonholeError } from '../errors.js'
import {
  decodeHeader,
  headerLength,
  keyLength,
  tagLength,
  unwrapKey,
} from '../files/crypto/index.js'
import type { FilesConfig } from '../files/files.js'
import type { DeliveredFile, Delivery } from '../transport/port.js'
import { chunk } from '../util/chunk.js'

type OutboxRow = Selectable<OutboxTable>
type FileRow = Selectable<FilesTable>

/**
 * How a message's attachments leave the engine. The outbox row keeps only the file ids
 * (`message.attachments`), never the contents: the worker builds each `DeliveredFile` just
 * before it sends the batch (`expandDelivery`), from the file row (metadata, the wrapped key,
 * the header) and the chunk store (the sealed chunks as stored, not re-encrypted), and drops
 * it once the peer answered. `deliveryBytes` tells, before anything is read, how large each
 * row's delivery will be on the wire, so the worker cuts batches to `maxBatchBytes` and fails
 * a message too large to travel at all.
 */

/** The outbox payload of a message: its attachments are file ids until the worker sends it. */
export interface StoredAttachments {
  message: { attachments: (string | DeliveredFile)[] }
}

/** base64url length of `n` bytes (no padding). */
function b64(n: number): number {
  return Math.ceil((n * 4) / 3)
}

/** A file whose contents travel: ready, its contents not expired. */
function travels(row: FileRow, now: number): boolean {
  return (
    row.status === 'ready' &&
    (row.expires_at === null || Number(row.expires_at) > now) &&
    row.header !== null &&
    row.wrapped_key !== null
  )
}

function meta(row: FileRow): Omit<DeliveredFile, 'key' | 'header' | 'chunks'> {
  return {
    id: row.id,
    name: row.name,
    mimeType: row.mime_type,
    size: Number(row.size),
    sha256: row.sha256 ?? '',
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  }
}

/** The file ids of a message row's payload (none for receipts and older rows). */
export function fileIds(row: OutboxRow): string[] {
  if (row.kind !== 'message') return []
  const payload = JSON.parse(row.payload) as StoredAttachments
  return (payload.message.attachments ?? []).filter((a): a is string => typeof a === 'string')
}

/** The file rows the given outbox rows attach, by id (one read per ~`maxParameters` ids). */
export async function filesOf(
  ctx: EngineContext,
  rows: readonly OutboxRow[],
): Promise<Map<string, FileRow>> {
  const ids = [...new Set(rows.flatMap(fileIds))]
  const out = new Map<string, FileRow>()
  for (const part of chunk(ids, ctx.maxParameters)) {
    const found = await ctx.db.selectFrom('files').selectAll().where('id', 'in', part).execute()
    for (const f of found) out.set(f.id, f)
  }
  return out
}

/**
 * The size of a row's delivery as JSON on the wire, in bytes (an upper bound within a few
 * bytes), from the file rows alone: the sealed chunk lengths follow from the size, the chunk
 * count and the header's chunk size (docs/file-format.md).
 */
export function deliveryBytes(row: OutboxRow, files: ReadonlyMap<string, FileRow>, now: number) {
  let bytes = Buffer.byteLength(row.payload) + row.id.length + 16
  for (const id of fileIds(row)) {
    const f = files.get(id)
    if (!f) continue
    const travelling = travels(f, now)
    bytes +=
      Buffer.byteLength(
        JSON.stringify({
          ...meta(f),
          key: travelling ? 'k'.repeat(b64(keyLength)) : '',
          header: travelling ? 'h'.repeat(b64(headerLength)) : '',
          chunks: [],
        }),
      ) + 1
    if (!travelling) continue
    const n = Number(f.chunk_count)
    const size = Number(f.size)
    let chunkSize: number
    try {
      chunkSize = decodeHeader(f.header!).chunkSize
    } catch {
      continue
    }
    if (n > 0) {
      // Every chunk but the last is full; the last holds the rest (docs/file-format.md).
      const last = size - (n - 1) * chunkSize
      bytes += (n - 1) * (b64(chunkSize + tagLength) + 3) + b64(Math.max(0, last) + tagLength) + 3
    }
  }
  return bytes
}

/**
 * The delivery of an outbox row as it goes on the wire: a message's attachments, file ids in
 * the outbox, become `DeliveredFile`s: the metadata, the file key (unwrapped with this
 * engine's master key, base64url), the header and the sealed chunks read from the chunk store
 * (base64url, the stored ciphertext unchanged). A file whose contents are gone (expired, or
 * deleted since) goes as metadata only: empty key, header and chunks; the receiver keeps it as
 * expired. A key this engine cannot unwrap fails the delivery for good (`integrity_error`).
 */
export async function expandDelivery(
  ctx: EngineContext,
  config: FilesConfig,
  row: OutboxRow,
  files: ReadonlyMap<string, FileRow>,
): Promise<Delivery> {
  const delivery = { ...JSON.parse(row.payload), id: row.id } as Delivery
  if (delivery.kind !== 'message') return delivery
  const ids = fileIds(row)
  if (ids.length === 0) return delivery
  const now = ctx.clock.now()
  const out: DeliveredFile[] = []
  for (const id of ids) {
    const f = files.get(id)
    if (!f) continue
    if (!travels(f, now)) {
      out.push({ ...meta(f), key: '', header: '', chunks: [] })
      continue
    }
    const master = config.keys.byId(f.key_id ?? '')
    if (!master) {
      throw new PigeonholeError(
        'integrity_error',
        `delivery: the key of file "${id}" was wrapped by a master key this engine does not have`,
        { fileId: id, keyId: f.key_id },
      )
    }
    const key = unwrapKey(master, id, f.wrapped_key!)
    try {
      const count = Number(f.chunk_count)
      const sealed = count === 0 ? [] : await config.chunks.read(id, 0, count)
      out.push({
        ...meta(f),
        key: Buffer.from(key).toString('base64url'),
        header: Buffer.from(f.header!).toString('base64url'),
        chunks: sealed.map((c) =>
          Buffer.from(c.buffer, c.byteOffset, c.length).toString('base64url'),
        ),
      })
    } finally {
      key.fill(0)
    }
  }
  delivery.message.attachments = out
  return delivery
}
