/** Key, nonce and tag lengths of XChaCha20-Poly1305. */
export const keyLength = 32
export const nonceLength = 24
export const tagLength = 16

/** Which implementation runs XChaCha20-Poly1305. */
export type CipherChoice =
  /** node:crypto's ChaCha20-Poly1305 when `nativeChaCha()` says it is there and agrees, else noble. */
  | 'auto'
  /** node:crypto's ChaCha20-Poly1305 with noble's HChaCha20 subkey; `invalid_input` if missing. */
  | 'native'
  /** @noble/ciphers only: pure JavaScript, runs anywhere. */
  | 'noble'

/**
 * XChaCha20-Poly1305 under one 32-byte key (draft-irtf-cfrg-xchacha): a 24-byte nonce, the
 * output is ciphertext || 16-byte tag. Both implementations give the same bytes.
 */
export interface XAead {
  readonly implementation: 'native' | 'noble'
  /** A new array: ciphertext || tag. */
  seal(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array
  /**
   * The plaintext, or undefined when the tag does not verify. No plaintext is returned (or
   * kept) for a chunk that fails.
   */
  open(nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined
}
