import type { Pigeonhole } from '../../index.js'
import type { Store } from '../../store-port.js'

export const encoder = new TextEncoder()
export const bytes = (text: string) => encoder.encode(text)

/** `n` bytes of a repeating pattern that depends on `seed`. */
export function pattern(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff
  return out
}

/** SHA-256 hex with Web Crypto (no node:crypto in the suite's imports). */
export async function sha256(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', data)
  return Buffer.from(digest).toString('hex')
}

/** `data` as an async iterable of pieces of `size` bytes. */
export async function* piecesOf(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size)
}

/** `data` as a web ReadableStream of pieces of `size` bytes. */
export function streamOf(data: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= data.length) {
        controller.close()
        return
      }
      controller.enqueue(data.slice(at, at + size))
      at += size
    },
  })
}

/** Uploads `text` as alice's (or `owner`'s) text file. */
export function uploadText(ph: Pigeonhole, owner: string, text: string, more: object = {}) {
  return ph.files.upload({
    owner,
    name: 'note.txt',
    mimeType: 'text/plain',
    data: bytes(text),
    ...more,
  })
}

/** The chunk rows of a file (or of all files) in the store's database. */
export async function chunkRows(store: Store, fileId?: string) {
  return store.db
    .selectFrom('file_chunks')
    .select(['file_id', 'idx', 'bytes'])
    .$if(fileId !== undefined, (q) => q.where('file_id', '=', fileId!))
    .orderBy('file_id')
    .orderBy('idx')
    .execute()
}

/** How many file rows the store holds (any status). */
export async function fileRowCount(store: Store): Promise<number> {
  const rows = await store.db.selectFrom('files').select('id').execute()
  return rows.length
}

/** A view of `store` whose `close` does nothing: an engine closed on it leaves it open. */
export function keepOpen(store: Store): Store {
  return new Proxy(store, {
    get(target, key) {
      if (key === 'close') return async () => {}
      const value = Reflect.get(target, key, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

/** Reads a web stream to its end; what it gave before an error is in `got`. */
export async function drain(
  stream: ReadableStream<Uint8Array>,
): Promise<{ got: Uint8Array[]; error: unknown }> {
  const got: Uint8Array[] = []
  const reader = stream.getReader()
  try {
    for (;;) {
      const next = await reader.read()
      if (next.done) return { got, error: undefined }
      got.push(next.value)
    }
  } catch (error) {
    return { got, error }
  }
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
