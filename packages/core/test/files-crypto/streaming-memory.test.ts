import { createHash } from 'node:crypto'
import { expect, test } from 'vitest'
import { FileDecryptor, FileEncryptor, generateFileKey } from '../../src/files/crypto/index.js'
import { settledMemory as settled, usedMemory as used } from '../../src/testing/memory.js'

const MiB = 1024 * 1024
const total = 64 * MiB
/** Pieces of an odd size, so chunks and pieces never line up. */
const pieceSize = 100_003

test('64 MiB through encrypt and decrypt, chunk by chunk: memory stays flat', async () => {
  const key = generateFileKey()
  const encryptor = new FileEncryptor(key)
  const decryptor = new FileDecryptor(key, encryptor.header)
  const sourceHash = createHash('sha256')
  const outHash = createHash('sha256')
  // One buffer, refilled for every piece: the source itself allocates nothing, and a reader
  // that kept a reference past the next pull would seal the wrong bytes (the hashes would say).
  const piece = new Uint8Array(pieceSize)
  async function* source() {
    for (let sent = 0, n = 0; sent < total; n++) {
      const length = Math.min(pieceSize, total - sent)
      piece.fill(n & 0xff, 0, length)
      piece[0] = (n >>> 8) & 0xff
      const view = piece.subarray(0, length)
      sourceHash.update(view)
      sent += length
      yield view
    }
  }
  async function* sealed() {
    for await (const chunk of encryptor.encrypt(source())) yield chunk.sealed
  }
  const before = await settled()
  let peak = before
  let held = before
  let size = 0
  let n = 0
  for await (const plain of decryptor.decrypt(sealed())) {
    outHash.update(plain)
    size += plain.length
    n++
    if (n % 8 === 0) peak = Math.max(peak, used())
    if (n % 128 === 0) held = Math.max(held, await settled())
  }
  expect(size).toBe(total)
  expect(outHash.digest('hex')).toBe(sourceHash.digest('hex'))
  expect(encryptor.summary().size).toBe(total)
  const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`
  // What the pipeline holds (after a collection): a chunk or two on each side, nowhere near
  // the 64 MiB file. Garbage between collections comes on top, as V8 decides: bounded loosely.
  expect(held - before, `held ${mib(held - before)}`).toBeLessThan(4 * MiB)
  expect(peak - before, `peak ${mib(peak - before)}`).toBeLessThan(64 * MiB)
})
