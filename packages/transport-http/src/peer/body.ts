/** Why a body was not read whole. */
export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge'
}

/**
 * Reads `stream` whole, counting: past `max` bytes it stops reading (cancels the stream) and
 * throws `BodyTooLarge`, so an oversized body is never held whole in memory.
 */
export async function readLimited(
  stream: ReadableStream<Uint8Array> | null,
  max: number,
): Promise<Buffer> {
  if (stream === null) return Buffer.alloc(0)
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > max) {
      await reader.cancel().catch(() => {})
      throw new BodyTooLarge(`body over ${max} bytes`)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks, total)
}

/** A Content-Length header as a number, or undefined when absent or malformed. */
export function contentLength(value: string | null | undefined): number | undefined {
  if (value == null || !/^\d+$/.test(value.trim())) return undefined
  return Number(value)
}
