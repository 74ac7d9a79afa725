import { expect, test, vi } from 'vitest'
import { isPigeonholeError } from '../../src/errors.js'

// A node:crypto without ChaCha20-Poly1305 (a FIPS build, say): only getCiphers changes.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>()
  return {
    ...actual,
    getCiphers: () => actual.getCiphers().filter((c) => c !== 'chacha20-poly1305'),
  }
})

test('nativeChaCha() is false without the cipher: auto runs noble, native is refused', async () => {
  const crypto = await import('../../src/files/crypto/index.js')
  expect(crypto.nativeChaCha()).toBe(false)
  const key = crypto.generateFileKey()
  expect(crypto.xaead(key).implementation).toBe('noble')
  expect(() => crypto.xaead(key, 'native')).toThrow(/not available/)
  try {
    crypto.xaead(key, 'native')
  } catch (e) {
    expect(isPigeonholeError(e, 'invalid_input')).toBe(true)
  }
  const file = await crypto.encryptBytes(key, new Uint8Array(100), { chunkSize: 30 })
  expect(await crypto.decryptBytes(key, file.header, file.chunks)).toEqual(new Uint8Array(100))
})
