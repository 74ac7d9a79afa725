import { createHash, type Hash } from 'node:crypto'
import type { XAead } from './aead.js'
import { keyLength, tagLength } from './aead.js'
import { chunkNonce } from './chunk-nonce.js'
import type { FileHeader } from './header.js'
import { decodeHeader } from './header.js'
import { assertBytes, integrityError, invalidInput } from './integrity.js'
import { xaead } from './select-aead.js'
import type { DecryptOptions, DecryptSummary } from './types.js'

/** A file's sealed chunks, in index order (each ciphertext || tag). */
export type SealedSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>

/**
 * Opens one file: sealed chunks in (in index order), plaintext out. A chunk's plaintext is
 * yielded only after its tag verified under the nonce of its position and of whether it is
 * the last; anything else ends the stream with `integrity_error`, releasing nothing of the bad
 * chunk. It reads one chunk ahead to know which chunk is the last.
 */
export class FileDecryptor {
  readonly #aead: XAead
  readonly #rawHeader: Uint8Array
  readonly #header: FileHeader
  readonly #expect: DecryptOptions['expect']
  readonly #hash: Hash | undefined
  #size = 0
  #chunks = 0
  #state: 'new' | 'running' | 'done' | 'failed' = 'new'
  #sha256: string | undefined

  constructor(key: Uint8Array, header: Uint8Array, options: DecryptOptions = {}) {
    assertBytes(key, keyLength, 'the file key')
    this.#header = decodeHeader(header)
    this.#rawHeader = Uint8Array.from(header)
    this.#expect = options.expect
    this.#hash = options.expect?.sha256 === undefined ? undefined : createHash('sha256')
    this.#aead = xaead(key, options.cipher)
  }

  get chunkSize(): number {
    return this.#header.chunkSize
  }

  get implementation(): 'native' | 'noble' {
    return this.#aead.implementation
  }

  /** Yields each chunk's plaintext once it verified. Runs once. */
  async *decrypt(chunks: SealedSource): AsyncGenerator<Uint8Array, void, undefined> {
    if (this.#state !== 'new') throw invalidInput('a FileDecryptor decrypts one file, once')
    this.#state = 'running'
    try {
      let held: Uint8Array | undefined
      for await (const sealed of chunks) {
        if (!(sealed instanceof Uint8Array)) throw invalidInput('sealed chunks must be Uint8Array')
        // Another chunk follows, so the held one is not the last.
        if (held !== undefined) yield this.#open(held, false)
        held = sealed
      }
      if (held === undefined) throw integrityError('the file has no chunks')
      const plaintext = this.#open(held, true)
      try {
        this.#checkExpected()
      } catch (error) {
        plaintext.fill(0)
        throw error
      }
      this.#state = 'done'
      yield plaintext
    } finally {
      if (this.#state !== 'done') this.#state = 'failed'
    }
  }

  /** What was decrypted; after `decrypt` has run to its end. */
  summary(): DecryptSummary {
    if (this.#state !== 'done') throw invalidInput('the file is not fully decrypted yet')
    return { size: this.#size, chunkCount: this.#chunks, sha256: this.#sha256 }
  }

  #open(sealed: Uint8Array, last: boolean): Uint8Array {
    const index = this.#chunks
    const size = this.#header.chunkSize
    const length = sealed.length - tagLength
    // Every chunk but the last is full; the last holds 1 to chunkSize bytes, or 0 when it is
    // also the first (an empty file). A tag that verifies does not make another shape legal.
    const legal = last ? length >= (index === 0 ? 0 : 1) && length <= size : length === size
    if (!legal) {
      throw integrityError(`file chunk ${index} has an impossible length`, {
        chunk: index,
        last,
        length,
      })
    }
    const nonce = chunkNonce(this.#header.noncePrefix, index, last)
    const plaintext = this.#aead.open(nonce, sealed, this.#rawHeader)
    if (plaintext === undefined) {
      throw integrityError(`file chunk ${index} failed authentication`, { chunk: index, last })
    }
    this.#chunks++
    this.#size += plaintext.length
    this.#hash?.update(plaintext)
    const expected = this.#expect?.size
    if (expected !== undefined && this.#size > expected) {
      plaintext.fill(0)
      throw integrityError('the file is longer than its recorded size', { expected })
    }
    return plaintext
  }

  /** Before the last chunk goes out: the size and hash the caller expects, if any. */
  #checkExpected(): void {
    this.#sha256 = this.#hash?.digest('hex')
    const expect = this.#expect
    if (expect?.size !== undefined && this.#size !== expect.size) {
      throw integrityError('the file size differs from its recorded size', {
        expected: expect.size,
        actual: this.#size,
      })
    }
    if (expect?.sha256 !== undefined && this.#sha256 !== expect.sha256.toLowerCase()) {
      throw integrityError('the file SHA-256 differs from its recorded SHA-256', {
        expected: expect.sha256,
        actual: this.#sha256,
      })
    }
  }
}
