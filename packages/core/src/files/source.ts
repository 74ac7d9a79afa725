import { PigeonholeError } from '../errors.js'
import type { FileData } from './schemas.js'

/** The pieces of `data` in order, whatever form it came in; a stream is read, never buffered. */
export async function* pieces(data: FileData): AsyncGenerator<Uint8Array> {
  if (data instanceof Uint8Array) {
    yield data
    return
  }
  if (typeof (data as ReadableStream<Uint8Array>).getReader === 'function') {
    const reader = (data as ReadableStream<Uint8Array>).getReader()
    let done = false
    try {
      for (;;) {
        const next = await reader.read()
        if (next.done) {
          done = true
          return
        }
        yield next.value
      }
    } finally {
      // Stopped early (too large, a failed write): the stream is cancelled, not left hanging.
      if (!done) await reader.cancel().catch(() => {})
      reader.releaseLock()
    }
  }
  yield* data as AsyncIterable<Uint8Array>
}

/** `source` that throws `file_too_large` as soon as it has given more than `limit` bytes. */
export async function* limited(
  source: AsyncIterable<Uint8Array>,
  limit: number,
  where: string,
): AsyncGenerator<Uint8Array> {
  let got = 0
  for await (const piece of source) {
    if (!(piece instanceof Uint8Array)) {
      throw new PigeonholeError(
        'invalid_input',
        `${where}: data: expected Uint8Array pieces, got ${piece === null ? 'null' : typeof piece}`,
        { field: 'data', expected: 'Uint8Array pieces' },
      )
    }
    got += piece.length
    if (got > limit) {
      throw new PigeonholeError(
        'file_too_large',
        `${where}: data: the file is larger than files.maxFileSize (${limit} bytes); nothing was kept`,
        { field: 'data', limit, got },
      )
    }
    yield piece
  }
}
