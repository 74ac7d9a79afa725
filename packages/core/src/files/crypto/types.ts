import type { CipherChoice } from './aead.js'

/** One sealed chunk: its position in the file and ciphertext || 16-byte tag. */
export interface SealedChunk {
  readonly index: number
  readonly sealed: Uint8Array
}

/** Plaintext: one buffer, or pieces of any size from an array, a generator or a stream. */
export type ByteSource = Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>

/** What the encryptor measured of the plaintext it sealed. */
export interface EncryptSummary {
  /** Plaintext bytes. */
  readonly size: number
  /** SHA-256 of the plaintext, lowercase hex. */
  readonly sha256: string
  /** Sealed chunks: max(1, ceil(size / chunkSize)). */
  readonly chunkCount: number
}

export interface EncryptOptions {
  /** Plaintext bytes per chunk (1 to 16 MiB); 64 KiB by default. Small sizes are for tests. */
  chunkSize?: number
  cipher?: CipherChoice
  /** The 16-byte nonce prefix; random by default. For test vectors only: never reuse one. */
  noncePrefix?: Uint8Array
}

export interface DecryptOptions {
  cipher?: CipherChoice
  /**
   * What the plaintext must be (the file's stored metadata): checked before the last chunk's
   * plaintext is released, `integrity_error` otherwise. `sha256` makes the decryptor hash.
   */
  expect?: { size?: number; sha256?: string }
}

/** What the decryptor saw: the size always, the SHA-256 only when `expect.sha256` was given. */
export interface DecryptSummary {
  readonly size: number
  readonly chunkCount: number
  readonly sha256: string | undefined
}
