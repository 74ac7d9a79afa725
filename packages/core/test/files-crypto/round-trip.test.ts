import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { isPigeonholeError } from '../../src/errors.js'
import {
  decryptBytes,
  defaultChunkSize,
  encryptBytes,
  FileDecryptor,
  FileEncryptor,
  generateFileKey,
  headerLength,
  tagLength,
} from '../../src/files/crypto/index.js'
import { ciphers, concat, counting, hex, sha256 } from './helpers.js'

const chunk = defaultChunkSize
const sizes = [0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk + 7]

describe.each(ciphers)('round trips (%s)', (cipher) => {
  test.each(sizes)('%i bytes in 64 KiB chunks: the same bytes back, size and sha256', async (n) => {
    const key = generateFileKey()
    const plaintext = Uint8Array.from(randomBytes(n))
    const sealed = await encryptBytes(key, plaintext, { cipher })
    expect(sealed.header.length).toBe(headerLength)
    expect(sealed.size).toBe(n)
    expect(sealed.sha256).toBe(sha256(plaintext))
    expect(sealed.chunkCount).toBe(Math.max(1, Math.ceil(n / chunk)))
    expect(sealed.chunks.length).toBe(sealed.chunkCount)
    // Every chunk but the last is full; the last is never empty unless the file is.
    sealed.chunks.forEach((c, i) => {
      const last = i === sealed.chunks.length - 1
      if (!last) expect(c.length).toBe(chunk + tagLength)
      else expect(c.length).toBe(n === 0 ? tagLength : n - i * chunk + tagLength)
    })
    const back = await decryptBytes(key, sealed.header, sealed.chunks, {
      cipher,
      expect: { size: sealed.size, sha256: sealed.sha256 },
    })
    expect(hex(back)).toBe(hex(plaintext))
  })

  test('pieces of any size give the same chunks as one buffer (small chunks)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.integer({ min: 0, max: 90 }), { maxLength: 12 }),
        async (chunkSize, pieceSizes) => {
          const key = generateFileKey()
          const noncePrefix = Uint8Array.from(randomBytes(16))
          const pieces = pieceSizes.map((n, i) => counting(n, i * 7))
          const whole = concat(pieces)
          const encryptor = new FileEncryptor(key, { chunkSize, noncePrefix, cipher })
          const streamed: Uint8Array[] = []
          async function* source() {
            for (const p of pieces) yield p
          }
          for await (const c of encryptor.encrypt(source())) {
            expect(c.index).toBe(streamed.length)
            streamed.push(c.sealed)
          }
          const once = await encryptBytes(key, whole, { chunkSize, noncePrefix, cipher })
          expect(streamed.map(hex)).toEqual(once.chunks.map(hex))
          expect(encryptor.summary()).toEqual({
            size: whole.length,
            sha256: sha256(whole),
            chunkCount: once.chunkCount,
          })
          const decryptor = new FileDecryptor(key, encryptor.header, { cipher })
          const out: Uint8Array[] = []
          for await (const p of decryptor.decrypt(streamed)) out.push(Uint8Array.from(p))
          expect(hex(concat(out))).toBe(hex(whole))
          expect(decryptor.summary()).toEqual({
            size: whole.length,
            chunkCount: once.chunkCount,
            sha256: undefined,
          })
        },
      ),
      { numRuns: 60 },
    )
  })

  test('a recorded size or sha256 that differs fails before the last chunk is released', async () => {
    const key = generateFileKey()
    const plaintext = counting(40)
    const sealed = await encryptBytes(key, plaintext, { chunkSize: 16, cipher })
    for (const expectation of [{ size: 39 }, { size: 41 }, { sha256: sha256(counting(40, 1)) }]) {
      const released: Uint8Array[] = []
      const decryptor = new FileDecryptor(key, sealed.header, { cipher, expect: expectation })
      const run = async () => {
        for await (const p of decryptor.decrypt(sealed.chunks)) released.push(p)
      }
      await expect(run()).rejects.toSatisfy((e) => isPigeonholeError(e, 'integrity_error'))
      expect(released.length).toBeLessThan(3)
    }
  })
})

test('the summaries are there once the last chunk is out, even if nobody asks for more', async () => {
  const key = generateFileKey()
  const encryptor = new FileEncryptor(key, { chunkSize: 16 })
  const chunks = encryptor.encrypt(counting(20))
  const first = await chunks.next()
  const second = await chunks.next()
  expect(encryptor.summary()).toEqual({ size: 20, sha256: sha256(counting(20)), chunkCount: 2 })
  const decryptor = new FileDecryptor(key, encryptor.header)
  const plain = decryptor.decrypt([first.value!.sealed, second.value!.sealed])
  await plain.next()
  await plain.next()
  expect(decryptor.summary()).toEqual({ size: 20, chunkCount: 2, sha256: undefined })
})

test('a Uint8Array source is one piece (not an iterable of numbers)', async () => {
  const key = generateFileKey()
  const noncePrefix = Uint8Array.from(randomBytes(16))
  const data = counting(50)
  const encryptor = new FileEncryptor(key, { chunkSize: 16, noncePrefix })
  const chunks: string[] = []
  for await (const c of encryptor.encrypt(data)) chunks.push(hex(c.sealed))
  const byPieces = new FileEncryptor(key, { chunkSize: 16, noncePrefix })
  const expected: string[] = []
  for await (const c of byPieces.encrypt([data.subarray(0, 7), data.subarray(7)])) {
    expected.push(hex(c.sealed))
  }
  expect(chunks).toEqual(expected)
  expect(chunks.length).toBe(4)
})

test('a fresh key and nonce prefix per file: the same plaintext never seals the same', async () => {
  const plaintext = counting(100)
  const key = generateFileKey()
  const a = await encryptBytes(key, plaintext)
  const b = await encryptBytes(key, plaintext)
  expect(hex(a.header)).not.toBe(hex(b.header))
  expect(hex(a.chunks[0]!)).not.toBe(hex(b.chunks[0]!))
  expect(hex(generateFileKey())).not.toBe(hex(generateFileKey()))
})

test('bad inputs are invalid_input: key length, chunk size, non-bytes pieces, a second run', async () => {
  const invalid = (e: unknown) => isPigeonholeError(e, 'invalid_input')
  const thrown = (f: () => unknown) => {
    try {
      f()
    } catch (e) {
      return e
    }
    return undefined
  }
  expect(thrown(() => new FileEncryptor(new Uint8Array(31)))).toSatisfy(invalid)
  for (const chunkSize of [0, -1, 1.5, 16 * 1024 * 1024 + 1]) {
    expect(thrown(() => new FileEncryptor(generateFileKey(), { chunkSize }))).toSatisfy(invalid)
  }
  const encryptor = new FileEncryptor(generateFileKey())
  const pieces = ['text'] as unknown as Uint8Array[]
  await expect(encryptor.encrypt(pieces).next()).rejects.toSatisfy(invalid)
  await expect(encryptor.encrypt([]).next()).rejects.toSatisfy(invalid)
  expect(thrown(() => encryptor.summary())).toSatisfy(invalid)
})
