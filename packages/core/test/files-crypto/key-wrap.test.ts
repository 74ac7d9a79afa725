import { describe, expect, test } from 'vitest'
import { isPigeonholeError } from '../../src/errors.js'
import {
  generateFileKey,
  unwrapKey,
  wrapKey,
  wrappedKeyLength,
} from '../../src/files/crypto/index.js'
import { ciphers, hex } from './helpers.js'

function thrown(f: () => unknown): unknown {
  try {
    f()
  } catch (e) {
    return e
  }
  return undefined
}
const integrity = (e: unknown) => isPigeonholeError(e, 'integrity_error')

describe.each(ciphers)('key wrap (%s)', (cipher) => {
  const master = generateFileKey()
  const key = generateFileKey()
  const wrapped = wrapKey(master, 'file_a', key, { cipher })

  test('wraps to 73 bytes, a fresh nonce each time, and unwraps', () => {
    expect(wrapped.length).toBe(wrappedKeyLength)
    expect(hex(wrapKey(master, 'file_a', key, { cipher }))).not.toBe(hex(wrapped))
    expect(hex(unwrapKey(master, 'file_a', wrapped, { cipher }))).toBe(hex(key))
  })

  test('another master key, or another file id: integrity_error', () => {
    expect(thrown(() => unwrapKey(generateFileKey(), 'file_a', wrapped, { cipher }))).toSatisfy(
      integrity,
    )
    for (const id of ['file_b', 'file_a ', 'File_a', 'file_']) {
      expect(thrown(() => unwrapKey(master, id, wrapped, { cipher }))).toSatisfy(integrity)
    }
  })

  test('one bit flipped, every bit of every byte of the wrap: integrity_error', () => {
    let tried = 0
    for (let position = 0; position < wrapped.length; position++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = Uint8Array.from(wrapped)
        bad[position]! ^= 1 << bit
        expect(thrown(() => unwrapKey(master, 'file_a', bad, { cipher }))).toSatisfy(integrity)
        tried++
      }
    }
    expect(tried).toBe(73 * 8)
  })

  test('cut or extended: integrity_error', () => {
    for (const bad of [wrapped.slice(0, -1), wrapped.slice(1), new Uint8Array(0)]) {
      expect(thrown(() => unwrapKey(master, 'file_a', bad, { cipher }))).toSatisfy(integrity)
    }
    const longer = new Uint8Array(wrapped.length + 1)
    longer.set(wrapped)
    expect(thrown(() => unwrapKey(master, 'file_a', longer, { cipher }))).toSatisfy(integrity)
  })

  test('keys of the wrong length and an empty file id: invalid_input', () => {
    const invalid = (e: unknown) => isPigeonholeError(e, 'invalid_input')
    expect(thrown(() => wrapKey(new Uint8Array(16), 'file_a', key))).toSatisfy(invalid)
    expect(thrown(() => wrapKey(master, 'file_a', new Uint8Array(33)))).toSatisfy(invalid)
    expect(thrown(() => wrapKey(master, '', key))).toSatisfy(invalid)
  })
})
