import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { hchachaSubkey } from '../../src/files/crypto/hchacha-subkey.js'
import {
  decryptBytes,
  defaultChunkSize,
  encryptBytes,
  generateFileKey,
  nativeChaCha,
  xaead,
} from '../../src/files/crypto/index.js'
import { fromHex, hex } from './helpers.js'

const chunk = defaultChunkSize
const MiB = 1024 * 1024

/** Pseudo-random bytes from a seed fast-check picks (xorshift32): cheap, replayable. */
function bytesOf(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed >>> 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

test('HChaCha20 by noble: the draft-irtf-cfrg-xchacha section 2.2.1 example', () => {
  const key = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f')
  const nonce = fromHex('000000090000004a0000000031415927')
  expect(hex(hchachaSubkey(key, nonce))).toBe(
    '82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc',
  )
})

describe.runIf(nativeChaCha())('node:crypto beside noble', () => {
  test('any key, nonce, associated data and message: the same bytes, each opens the other', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 24, maxLength: 24 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 300 }),
        (key, nonce, aad, plaintext) => {
          const native = xaead(key, 'native')
          const noble = xaead(key, 'noble')
          const a = native.seal(nonce, plaintext, aad)
          const b = noble.seal(nonce, plaintext, aad)
          expect(hex(a)).toBe(hex(b))
          expect(hex(noble.open(nonce, a, aad)!)).toBe(hex(plaintext))
          expect(hex(native.open(nonce, b, aad)!)).toBe(hex(plaintext))
        },
      ),
      { numRuns: 300 },
    )
  })

  const sameFile = async (size: number, seed: number) => {
    const key = generateFileKey()
    const noncePrefix = Uint8Array.from(randomBytes(16))
    const plaintext = bytesOf(size, seed)
    const native = await encryptBytes(key, plaintext, { noncePrefix, cipher: 'native' })
    const noble = await encryptBytes(key, plaintext, { noncePrefix, cipher: 'noble' })
    expect(hex(native.header)).toBe(hex(noble.header))
    expect(native.chunks.length).toBe(noble.chunks.length)
    // Compare chunk by chunk (a 3 MiB hex string per side would cost more than the cipher).
    for (const [i, c] of native.chunks.entries()) {
      expect(Buffer.from(c).equals(Buffer.from(noble.chunks[i]!)), `chunk ${i}`).toBe(true)
    }
    const byNoble = await decryptBytes(key, native.header, native.chunks, { cipher: 'noble' })
    const byNative = await decryptBytes(key, noble.header, noble.chunks, { cipher: 'native' })
    expect(Buffer.from(byNoble).equals(Buffer.from(plaintext))).toBe(true)
    expect(Buffer.from(byNative).equals(Buffer.from(plaintext))).toBe(true)
  }

  test.each([0, 1, chunk - 1, chunk, chunk + 1])(
    'a file of %i bytes: byte-identical sealed chunks, each path opens the other',
    async (size) => sameFile(size, size + 1),
  )

  test('files of random sizes up to 3 MiB: byte-identical, each opens the other', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 * MiB }), fc.integer(), sameFile),
      { numRuns: 6 },
    )
  })
})

test('auto picks native where it is sound; noble is always selectable', () => {
  expect(xaead(generateFileKey(), 'noble').implementation).toBe('noble')
  expect(xaead(generateFileKey()).implementation).toBe(nativeChaCha() ? 'native' : 'noble')
})
