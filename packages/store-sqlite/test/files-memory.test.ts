import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openPigeonhole } from '@pigeonhole/core'
import { settledMemory as settled, usedMemory as used } from '@pigeonhole/core/testing'
import { afterEach, expect, test } from 'vitest'
import { sqliteStore } from '../src/index.js'

const MiB = 1024 * 1024
const total = 64 * MiB
const pieceSize = 100_003

const dir = mkdtempSync(join(tmpdir(), 'pigeonhole-files-memory-'))
afterEach(() => rmSync(dir, { recursive: true, force: true }))

test('64 MiB through ph.files upload and download, chunk by chunk: memory stays bounded', async () => {
  const ph = await openPigeonhole({
    store: sqliteStore({ path: join(dir, 'files.db') }),
    files: { sweepIntervalMs: 0 },
  })
  try {
    await ph.accounts.register({ address: 'alice' })
    const inHash = createHash('sha256')
    const outHash = createHash('sha256')
    const piece = new Uint8Array(pieceSize)
    let peak = 0
    let held = 0
    let n = 0
    const sample = async () => {
      n++
      if (n % 8 === 0) peak = Math.max(peak, used())
      if (n % 128 === 0) held = Math.max(held, await settled())
    }
    async function* source() {
      for (let sent = 0, i = 0; sent < total; i++) {
        const length = Math.min(pieceSize, total - sent)
        piece.fill(i & 0xff, 0, length)
        const view = piece.subarray(0, length)
        inHash.update(view)
        sent += length
        await sample()
        yield view
      }
    }
    const before = await settled()
    peak = before
    held = before
    const file = await ph.files.upload({
      owner: 'alice',
      name: 'big.bin',
      mimeType: 'application/octet-stream',
      data: source(),
    })
    expect(file.size).toBe(total)
    const { stream } = await ph.files.download({ owner: 'alice', id: file.id })
    const reader = stream.getReader()
    let size = 0
    for (;;) {
      const next = await reader.read()
      if (next.done) break
      outHash.update(next.value)
      size += next.value.length
      await sample()
    }
    expect(size).toBe(total)
    const digest = inHash.digest('hex')
    expect(outHash.digest('hex')).toBe(digest)
    expect(file.sha256).toBe(digest)
    const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`
    // Held after a collection: a batch (about 1 MiB) and a chunk or two, not the file.
    expect(held - before, `held ${mib(held - before)}`).toBeLessThan(8 * MiB)
    expect(peak - before, `peak ${mib(peak - before)}`).toBeLessThan(64 * MiB)
    expect(await ph.verify()).toEqual([])
  } finally {
    await ph.close()
  }
})
