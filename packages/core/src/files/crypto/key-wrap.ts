import { randomBytes } from 'node:crypto'
import type { CipherChoice } from './aead.js'
import { keyLength, nonceLength, tagLength } from './aead.js'
import { assertBytes, integrityError, invalidInput } from './integrity.js'
import { xaead } from './select-aead.js'

/** The version byte of a wrapped key. */
export const wrapVersion = 1
/** version (1) || nonce (24) || sealed key (32) || tag (16). */
export const wrappedKeyLength = 1 + nonceLength + keyLength + tagLength

/** Associated data of a wrap: a label for this one use of the master key, then the file id. */
const label = new TextEncoder().encode('pigeonhole file key v1\0')

function wrapAad(fileId: string): Uint8Array {
  if (typeof fileId !== 'string' || fileId.length === 0) {
    throw invalidInput('the file id must be a non-empty string')
  }
  const id = new TextEncoder().encode(fileId)
  const aad = new Uint8Array(label.length + id.length)
  aad.set(label)
  aad.set(id, label.length)
  return aad
}

export interface WrapOptions {
  cipher?: CipherChoice
  /** The 24-byte wrap nonce; random by default. For test vectors only: never reuse one. */
  nonce?: Uint8Array
}

/** A file key sealed under the master key, bound to `fileId`: 73 bytes to store with the file. */
export function wrapKey(
  master: Uint8Array,
  fileId: string,
  key: Uint8Array,
  options: WrapOptions = {},
): Uint8Array {
  assertBytes(master, keyLength, 'the master key')
  assertBytes(key, keyLength, 'the file key')
  const nonce =
    options.nonce === undefined
      ? Uint8Array.from(randomBytes(nonceLength))
      : assertBytes(options.nonce, nonceLength, 'the wrap nonce')
  const sealed = xaead(master, options.cipher).seal(nonce, key, wrapAad(fileId))
  const wrapped = new Uint8Array(wrappedKeyLength)
  wrapped[0] = wrapVersion
  wrapped.set(nonce, 1)
  wrapped.set(sealed, 1 + nonceLength)
  return wrapped
}

/**
 * The file key of a wrap made by `wrapKey` for this `fileId` under this master key;
 * `integrity_error` for another master key, another file id, or any changed byte.
 */
export function unwrapKey(
  master: Uint8Array,
  fileId: string,
  wrapped: Uint8Array,
  options: { cipher?: CipherChoice } = {},
): Uint8Array {
  assertBytes(master, keyLength, 'the master key')
  const aad = wrapAad(fileId)
  if (!(wrapped instanceof Uint8Array) || wrapped.length !== wrappedKeyLength) {
    throw integrityError('the wrapped file key has the wrong length', { fileId })
  }
  if (wrapped[0] !== wrapVersion) {
    throw integrityError('the wrapped file key has an unknown version', { fileId })
  }
  const nonce = wrapped.subarray(1, 1 + nonceLength)
  const key = xaead(master, options.cipher).open(nonce, wrapped.subarray(1 + nonceLength), aad)
  if (key === undefined) {
    throw integrityError('the file key does not unwrap: another master key or a changed wrap', {
      fileId,
    })
  }
  return key
}

/** A fresh random 32-byte file key. */
export function generateFileKey(): Uint8Array {
  return Uint8Array.from(randomBytes(keyLength))
}
