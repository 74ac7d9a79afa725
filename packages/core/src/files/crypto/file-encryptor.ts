import { createHash, type Hash, randomBytes } from 'node:crypto'
import type { XAead } from './aead.js'
import { keyLength } from './aead.js'
import { chunkNonce } from './chunk-nonce.js'
import { checkChunkSize, defaultChunkSize, encodeHeader, noncePrefixLength } from './header.js'
import { assertBytes, invalidInput } from './integrity.js'
import { xaead } from './select-aead.js'
import type { ByteSource, EncryptOptions, EncryptSummary, SealedChunk } from './types.js'

/**
 * Seals one file: plaintext pieces of any size in, sealed chunks out, holding at most one
 * chunk of plaintext. Store `header` with the file, each chunk under its index, and the
 * summary (size, sha256) as metadata.
 */
export class FileEncryptor {
  /** The file's header: version, chunk size, nonce prefix. Stored beside the chunks. */
  readonly header: Uint8Array
  readonly chunkSize: number
  readonly #aead: XAead
  readonly #noncePrefix: Uint8Array
  readonly #hash: Hash = createHash('sha256')
  #size = 0
  #chunks = 0
  #state: 'new' | 'running' | 'done' | 'failed' = 'new'
  #sha256: string | undefined

  constructor(key: Uint8Array, options: EncryptOptions = {}) {
    assertBytes(key, keyLength, 'the file key')
    this.chunkSize = checkChunkSize(options.chunkSize ?? defaultChunkSize)
    this.#noncePrefix =
      options.noncePrefix === undefined
        ? Uint8Array.from(randomBytes(noncePrefixLength))
        : Uint8Array.from(assertBytes(options.noncePrefix, noncePrefixLength, 'noncePrefix'))
    this.header = encodeHeader(this.chunkSize, this.#noncePrefix)
    this.#aead = xaead(key, options.cipher)
  }

  /** Which implementation seals: 'native' (node:crypto) or 'noble'. */
  get implementation(): 'native' | 'noble' {
    return this.#aead.implementation
  }

  /**
   * Yields the sealed chunks in order. A full chunk is held until more plaintext arrives (or
   * the source ends), because only then is it known whether it is the last. Runs once.
   */
  async *encrypt(source: ByteSource): AsyncGenerator<SealedChunk, void, undefined> {
    if (this.#state !== 'new') throw invalidInput('a FileEncryptor encrypts one file, once')
    this.#state = 'running'
    const size = this.chunkSize
    const buffer = new Uint8Array(size)
    let fill = 0
    try {
      // A Uint8Array is iterable too (by numbers): taken as one piece.
      const pieces = source instanceof Uint8Array ? [source] : source
      for await (const piece of pieces) {
        if (!(piece instanceof Uint8Array))
          throw invalidInput('file data must be Uint8Array pieces')
        this.#hash.update(piece)
        this.#size += piece.length
        let at = 0
        while (at < piece.length) {
          if (fill === size) {
            // More plaintext follows: the held chunk is not the last.
            yield this.#seal(buffer, false)
            fill = 0
          }
          if (fill === 0 && piece.length - at > size) {
            // A whole chunk with more bytes after it in this piece: sealed without a copy.
            yield this.#seal(piece.subarray(at, at + size), false)
            at += size
            continue
          }
          const n = Math.min(size - fill, piece.length - at)
          buffer.set(piece.subarray(at, at + n), fill)
          fill += n
          at += n
        }
      }
      // The last chunk: 1 to chunkSize bytes, or 0 bytes for an empty file only. Done before
      // it goes out, so a consumer that stops after the last chunk has its summary.
      const last = this.#seal(buffer.subarray(0, fill), true)
      this.#sha256 = this.#hash.digest('hex')
      this.#state = 'done'
      yield last
    } finally {
      buffer.fill(0)
      if (this.#state !== 'done') this.#state = 'failed'
    }
  }

  /** Size, SHA-256 and chunk count of what was sealed; after `encrypt` has run to its end. */
  summary(): EncryptSummary {
    if (this.#state !== 'done') throw invalidInput('the file is not fully encrypted yet')
    return { size: this.#size, sha256: this.#sha256!, chunkCount: this.#chunks }
  }

  #seal(plaintext: Uint8Array, last: boolean): SealedChunk {
    const index = this.#chunks++
    const sealed = this.#aead.seal(
      chunkNonce(this.#noncePrefix, index, last),
      plaintext,
      this.header,
    )
    return { index, sealed }
  }
}
