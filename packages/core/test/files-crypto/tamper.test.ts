import { beforeAll, describe, expect, test } from 'vitest'
import {
  chunkNonce,
  encodeHeader,
  encryptBytes,
  generateFileKey,
  type SealedFile,
  xaead,
} from '../../src/files/crypto/index.js'
import { attempt, ciphers, counting, expectRejected, hex } from './helpers.js'

const chunkSize = 16
/** 40 bytes in chunks of 16: 16 + 16 + 8, sealed 32 + 32 + 24 bytes. */
const plaintext = counting(40, 100)
const plainChunks = [plaintext.slice(0, 16), plaintext.slice(16, 32), plaintext.slice(32)]

/**
 * The first position where a tampered chunk list stops being the file: a chunk that differs,
 * or the position that is now opened as the last when it was not (or the reverse).
 */
function firstBad(original: readonly Uint8Array[], tampered: readonly Uint8Array[]): number {
  for (let i = 0; i < Math.min(original.length, tampered.length); i++) {
    if (hex(original[i]!) !== hex(tampered[i]!)) return i
  }
  return Math.min(original.length, tampered.length) - 1
}

function flipBit(bytes: Uint8Array, position: number, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes)
  out[position]! ^= 1 << bit
  return out
}

describe.each(ciphers)('a 3-chunk file, tampered (%s)', (cipher) => {
  const key = generateFileKey()
  let file: SealedFile
  const rejects = async (chunks: readonly Uint8Array[], header = file.header) => {
    const outcome = await attempt(key, header, chunks, cipher)
    expectRejected(outcome, plainChunks, Math.max(0, firstBad(file.chunks, chunks)))
  }

  beforeAll(async () => {
    file = await encryptBytes(key, plaintext, { chunkSize, cipher })
  })

  test('untouched, it opens', async () => {
    expect(file.chunks.map((c) => c.length)).toEqual([32, 32, 24])
    const outcome = await attempt(key, file.header, file.chunks, cipher)
    expect(outcome.error).toBeUndefined()
    expect(outcome.released.map(hex)).toEqual(plainChunks.map(hex))
  })

  test('truncated at every chunk boundary (0, 1 and 2 chunks kept)', async () => {
    for (let kept = 0; kept < 3; kept++) await rejects(file.chunks.slice(0, kept))
  })

  test('truncated inside any chunk (its last byte cut)', async () => {
    for (let i = 0; i < 3; i++) {
      const chunks = [...file.chunks]
      chunks[i] = chunks[i]!.slice(0, -1)
      await rejects(chunks)
      await rejects(chunks.slice(0, i + 1))
    }
  })

  test('a chunk dropped', async () => {
    for (let i = 0; i < 3; i++) await rejects(file.chunks.filter((_, j) => j !== i))
  })

  test('two chunks swapped', async () => {
    for (let i = 0; i < 3; i++) {
      for (let j = i + 1; j < 3; j++) {
        const chunks = [...file.chunks]
        ;[chunks[i], chunks[j]] = [chunks[j]!, chunks[i]!]
        await rejects(chunks)
      }
    }
  })

  test('a chunk duplicated: right after itself, and at the end', async () => {
    for (let i = 0; i < 3; i++) {
      const chunks = [...file.chunks]
      chunks.splice(i + 1, 0, file.chunks[i]!)
      await rejects(chunks)
      await rejects([...file.chunks, file.chunks[i]!])
    }
  })

  test('one bit flipped, every bit of every byte of every chunk', async () => {
    let tried = 0
    for (let i = 0; i < 3; i++) {
      for (let position = 0; position < file.chunks[i]!.length; position++) {
        for (let bit = 0; bit < 8; bit++) {
          const chunks = [...file.chunks]
          chunks[i] = flipBit(chunks[i]!, position, bit)
          await rejects(chunks)
          tried++
        }
      }
    }
    expect(tried).toBe((32 + 32 + 24) * 8)
  })

  test('one bit flipped, every bit of the header (version, chunk size, nonce prefix)', async () => {
    for (let position = 0; position < file.header.length; position++) {
      for (let bit = 0; bit < 8; bit++) {
        const outcome = await attempt(key, flipBit(file.header, position, bit), file.chunks, cipher)
        expectRejected(outcome, plainChunks, 0)
      }
    }
  })

  test('another key, or a chunk of another file under the same key', async () => {
    expectRejected(await attempt(generateFileKey(), file.header, file.chunks, cipher), [], 0)
    const other = await encryptBytes(key, plaintext, { chunkSize, cipher })
    for (let i = 0; i < 3; i++) {
      const chunks = [...file.chunks]
      chunks[i] = other.chunks[i]!
      await rejects(chunks)
    }
  })

  test('an empty last chunk appended: as garbage, or sealed with the right key and nonce', async () => {
    await rejects([...file.chunks, new Uint8Array(16)])
    const aead = xaead(key, cipher)
    const prefix = file.header.slice(5)
    const sealedEmpty = aead.seal(chunkNonce(prefix, 3, true), new Uint8Array(0), file.header)
    await rejects([...file.chunks, sealedEmpty])
  })

  test('a non-empty file that ends in an empty last chunk is rejected, though every tag verifies', async () => {
    // 32 bytes: the format seals 16 + 16 (the second chunk is the last). Another encoder might
    // seal 16 + 16 + an empty last chunk: every tag is right, the shape is not.
    const header = encodeHeader(chunkSize, counting(16, 7))
    const prefix = header.slice(5)
    const aead = xaead(key, cipher)
    const data = counting(32)
    const seal = (index: number, plain: Uint8Array, last: boolean) =>
      aead.seal(chunkNonce(prefix, index, last), plain, header)
    const legal = [seal(0, data.slice(0, 16), false), seal(1, data.slice(16), true)]
    expect((await attempt(key, header, legal, cipher)).error).toBeUndefined()
    const padded = [
      seal(0, data.slice(0, 16), false),
      seal(1, data.slice(16), false),
      seal(2, new Uint8Array(0), true),
    ]
    expectRejected(
      await attempt(key, header, padded, cipher),
      [data.slice(0, 16), data.slice(16)],
      2,
    )
    // A short chunk that is not the last, though sealed as such, is rejected the same way.
    const short = [seal(0, data.slice(0, 8), false), seal(1, data.slice(8), true)]
    expectRejected(await attempt(key, header, short, cipher), [], 0)
    // An empty file is exactly one empty last chunk.
    const empty = [seal(0, new Uint8Array(0), true)]
    expect(await attempt(key, header, empty, cipher)).toEqual({
      released: [new Uint8Array(0)],
      error: undefined,
    })
    const emptyNotLast = [seal(0, new Uint8Array(0), false), seal(1, new Uint8Array(0), true)]
    expectRejected(await attempt(key, header, emptyNotLast, cipher), [], 0)
  })
})
