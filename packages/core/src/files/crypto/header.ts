import { integrityError, invalidInput } from './integrity.js'

/** The one format version there is. */
export const formatVersion = 1
/** Plaintext bytes per chunk unless chosen otherwise: 64 KiB. */
export const defaultChunkSize = 64 * 1024
/** The largest chunk size the format allows: 16 MiB (the smallest is 1 byte). */
export const maxChunkSize = 16 * 1024 * 1024
/** Bytes of the random per-file nonce prefix. */
export const noncePrefixLength = 16
/** version (1) || chunk size (4, big-endian) || nonce prefix (16). */
export const headerLength = 1 + 4 + noncePrefixLength

/** What a file's header says: the format version, its chunk size and its nonce prefix. */
export interface FileHeader {
  readonly version: typeof formatVersion
  readonly chunkSize: number
  readonly noncePrefix: Uint8Array
}

/** Throws `invalid_input` unless `chunkSize` is an integer from 1 to `maxChunkSize`. */
export function checkChunkSize(chunkSize: number): number {
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > maxChunkSize) {
    throw invalidInput(`chunkSize must be an integer from 1 to ${maxChunkSize}`, { chunkSize })
  }
  return chunkSize
}

/** The 21 header bytes: authenticated as associated data by every chunk of the file. */
export function encodeHeader(chunkSize: number, noncePrefix: Uint8Array): Uint8Array {
  checkChunkSize(chunkSize)
  if (noncePrefix.length !== noncePrefixLength) {
    throw invalidInput(`the nonce prefix must be ${noncePrefixLength} bytes`)
  }
  const header = new Uint8Array(headerLength)
  const view = new DataView(header.buffer)
  header[0] = formatVersion
  view.setUint32(1, chunkSize, false)
  header.set(noncePrefix, 5)
  return header
}

/** Reads a stored header; `integrity_error` when it is not one this code wrote. */
export function decodeHeader(header: Uint8Array): FileHeader {
  if (!(header instanceof Uint8Array) || header.length !== headerLength) {
    throw integrityError('the file header has the wrong length')
  }
  if (header[0] !== formatVersion) {
    throw integrityError('the file header has an unknown version', { version: header[0] })
  }
  const chunkSize = new DataView(header.buffer, header.byteOffset, header.byteLength).getUint32(
    1,
    false,
  )
  if (chunkSize < 1 || chunkSize > maxChunkSize) {
    throw integrityError('the file header has an impossible chunk size', { chunkSize })
  }
  return { version: formatVersion, chunkSize, noncePrefix: header.slice(5) }
}
