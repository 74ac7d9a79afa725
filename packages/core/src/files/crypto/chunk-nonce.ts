import { nonceLength } from './aead.js'
import { noncePrefixLength } from './header.js'

/**
 * The 24-byte XChaCha20 nonce of chunk `index`: the file's 16-byte random prefix, the index as
 * 7 bytes big-endian, then 0x01 for the file's last chunk or 0x00 for any other.
 */
export function chunkNonce(noncePrefix: Uint8Array, index: number, last: boolean): Uint8Array {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`bad chunk index ${index}`)
  const nonce = new Uint8Array(nonceLength)
  nonce.set(noncePrefix.subarray(0, noncePrefixLength))
  const view = new DataView(nonce.buffer)
  // index < 2^53: the high 21 bits in bytes 16..18, the low 32 bits in bytes 19..22.
  const high = Math.floor(index / 2 ** 32)
  view.setUint8(16, (high >>> 16) & 0xff)
  view.setUint16(17, high & 0xffff, false)
  view.setUint32(19, index >>> 0, false)
  nonce[23] = last ? 1 : 0
  return nonce
}
