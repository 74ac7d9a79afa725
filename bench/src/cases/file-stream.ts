import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { openPigeonhole, type Pigeonhole } from '@pigeonhole/core'
import { sqliteStore } from '@pigeonhole/store-sqlite'
import type BetterSqlite3 from 'better-sqlite3'
import { type BenchCase, type BenchRow, planFor } from '../lib/case.js'
import { openReference } from '../lib/files.js'
import { collectGarbage, memoryNow } from '../lib/heap.js'
import { measureAlternating } from '../lib/measure.js'
import { rawDecrypt, rawEncrypt } from './file-crypto.js'

const MiB = 1024 * 1024
const piece = 64 * 1024

async function* pieces(data: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += piece) yield data.subarray(at, at + piece)
}

async function upload(ph: Pigeonhole, data: Uint8Array | AsyncIterable<Uint8Array>) {
  return ph.files.upload({ owner: 'alice', name: 'f', mimeType: 'application/octet-stream', data })
}

async function download(ph: Pigeonhole, id: string, onPiece?: () => void): Promise<number> {
  const { stream } = await ph.files.download({ owner: 'alice', id })
  let bytes = 0
  const reader = stream.getReader()
  for (;;) {
    const next = await reader.read()
    if (next.done) return bytes
    bytes += next.value.length
    onPiece?.()
  }
}

/**
 * What a hand-written encrypted blob store does with better-sqlite3 and node:crypto: each
 * 64 KiB chunk sealed with ChaCha20-Poly1305 and hashed (SHA-256 of the plaintext, as
 * `ph.files` keeps), the sealed chunks inserted in transactions of about 1 MiB; reading
 * selects them in order and opens each. No format header, no key wrap, no metadata row.
 */
function rawStore(db: BetterSqlite3.Database) {
  db.exec(
    'CREATE TABLE IF NOT EXISTS raw_chunks (file INTEGER, idx INTEGER, bytes BLOB, PRIMARY KEY (file, idx))',
  )
  const insert = db.prepare('INSERT INTO raw_chunks (file, idx, bytes) VALUES (?, ?, ?)')
  const select = db.prepare('SELECT bytes FROM raw_chunks WHERE file = ? ORDER BY idx')
  const insertBatch = db.transaction((file: number, from: number, chunks: Buffer[]) => {
    for (let i = 0; i < chunks.length; i++) insert.run(file, from + i, chunks[i])
  })
  let next = 0
  return {
    upload(key: Uint8Array, data: Uint8Array): number {
      const file = next++
      const iv = Buffer.alloc(12)
      const sha = createHash('sha256')
      let batch: Buffer[] = []
      let from = 0
      for (let at = 0, i = 0; at < data.length; at += piece, i++) {
        const plain = data.subarray(at, at + piece)
        sha.update(plain)
        iv.writeUInt32BE(i, 8)
        const cipher = createCipheriv('chacha20-poly1305', key, iv, { authTagLength: 16 })
        const body = cipher.update(plain)
        cipher.final()
        batch.push(Buffer.concat([body, cipher.getAuthTag()]))
        if (batch.length === 16) {
          insertBatch(file, from, batch)
          from += batch.length
          batch = []
        }
      }
      if (batch.length > 0) insertBatch(file, from, batch)
      sha.digest()
      return file
    },
    download(key: Uint8Array, file: number): number {
      const iv = Buffer.alloc(12)
      let bytes = 0
      let i = 0
      for (const row of select.iterate(file) as Iterable<{ bytes: Buffer }>) {
        iv.writeUInt32BE(i++, 8)
        const decipher = createDecipheriv('chacha20-poly1305', key, iv, { authTagLength: 16 })
        decipher.setAuthTag(row.bytes.subarray(row.bytes.length - 16))
        bytes += decipher.update(row.bytes.subarray(0, row.bytes.length - 16)).length
        decipher.final()
      }
      return bytes
    },
  }
}

/**
 * Upload and download through `ph.files` on SQLite (chunks in the database, the default),
 * beside node:crypto's ChaCha20-Poly1305 over the same bytes in the same 64 KiB chunks (no
 * format, no hash, no storage): the ratio says what the format, the SHA-256 and the store
 * cost together. Then a generated 1 GiB file streamed up and down, with the peak memory growth.
 */
export const fileStreamCase: BenchCase = {
  name: 'file-stream',
  summary:
    'ph.files upload and download on SQLite, beside raw node:crypto ChaCha20-Poly1305; 1 GiB peak memory',
  async run(env) {
    const size = env.quick ? 4 * MiB : 64 * MiB
    const data = Uint8Array.from(randomBytes(size))
    const rawKey = Uint8Array.from(randomBytes(32))
    const rawSealed = rawEncrypt(rawKey, data, false)
    const ph = await openPigeonhole({
      store: sqliteStore({ path: join(env.dir, 'files.db') }),
      files: { sweepIntervalMs: 0, maxFileSize: 2048 * MiB },
    })
    await ph.accounts.register({ address: 'alice' })
    const rows: BenchRow[] = []
    try {
      const plan = planFor(
        env,
        { warmupOps: 1, samples: 3, opsPerSample: 1 },
        { warmupOps: 2, samples: 7, opsPerSample: 1 },
      )
      const uploaded: string[] = []
      const stored: number[] = []
      const raw = openReference(join(env.dir, 'files-raw.db'))
      const store = rawStore(raw)
      const [up, rawUp, storeUp] = await measureAlternating(
        [
          async () => uploaded.push((await upload(ph, pieces(data))).id),
          () => rawEncrypt(rawKey, data, false),
          () => stored.push(store.upload(rawKey, data)),
        ],
        plan,
      )
      const id = uploaded[0]!
      const [down, rawDown, storeDown] = await measureAlternating(
        [
          async () => {
            if ((await download(ph, id)) !== size) throw new Error('file-stream: size differs')
          },
          () => rawDecrypt(rawKey, rawSealed),
          () => {
            if (store.download(rawKey, stored[0]!) !== size)
              throw new Error('file-stream: raw size differs')
          },
        ],
        plan,
      )
      raw.close()
      const mbps = (s: { medianNs: number }) => (size / MiB / (s.medianNs / 1e9)).toFixed(0)
      env.log(
        `${size / MiB} MiB: upload ${mbps(up!)} MB/s (raw cipher ${mbps(rawUp!)} MB/s) · ` +
          `download ${mbps(down!)} MB/s (raw ${mbps(rawDown!)} MB/s); a hand-written better-sqlite3 ` +
          `encrypted store: upload ${mbps(storeUp!)} MB/s, download ${mbps(storeDown!)} MB/s`,
      )
      rows.push(
        {
          case: 'file-stream',
          measure: `upload ${size / MiB} MiB / raw cipher`,
          engine: up!,
          reference: rawUp!,
        },
        {
          case: 'file-stream',
          measure: `download ${size / MiB} MiB / raw cipher`,
          engine: down!,
          reference: rawDown!,
        },
        {
          case: 'file-stream',
          measure: `upload ${size / MiB} MiB / raw SQLite store`,
          engine: up!,
          reference: storeUp!,
        },
        {
          case: 'file-stream',
          measure: `download ${size / MiB} MiB / raw SQLite store`,
          engine: down!,
          reference: storeDown!,
        },
      )
      for (const f of uploaded) await ph.files.delete({ owner: 'alice', id: f })

      const streamed = env.quick ? 64 * MiB : 1024 * MiB
      const peak = await streamingPeak(ph, streamed)
      env.log(
        `${streamed / MiB} MiB generated, uploaded then downloaded through ph.files (SQLite): ` +
          `upload ${peak.upMBps.toFixed(0)} MB/s, download ${peak.downMBps.toFixed(0)} MB/s, peak growth ` +
          `heap + array buffers ${(peak.heap / MiB).toFixed(1)} MiB, rss ${(peak.rss / MiB).toFixed(1)} MiB`,
      )
      env.figure(`peak growth, ${shortMiB(streamed)} up and down`, 'MiB', peak.heap / MiB)
    } finally {
      await ph.close()
    }
    return rows
  },
}

const shortMiB = (bytes: number) =>
  bytes >= 1024 * MiB ? `${bytes / 1024 / MiB} GiB` : `${bytes / MiB} MiB`

async function streamingPeak(ph: Pigeonhole, total: number) {
  const block = Uint8Array.from(randomBytes(piece))
  const sample = memoryNow
  await collectGarbage()
  const before = sample()
  const peak = { ...before }
  let n = 0
  const measure = () => {
    if (++n % 16 !== 0) return
    const now = sample()
    peak.heap = Math.max(peak.heap, now.heap)
    peak.rss = Math.max(peak.rss, now.rss)
  }
  async function* source() {
    for (let sent = 0; sent < total; sent += piece) {
      measure()
      yield block
    }
  }
  const t0 = process.hrtime.bigint()
  const file = await upload(ph, source())
  const t1 = process.hrtime.bigint()
  const bytes = await download(ph, file.id, measure)
  const t2 = process.hrtime.bigint()
  if (bytes !== total) throw new Error('file-stream: streamed size differs')
  await ph.files.delete({ owner: 'alice', id: file.id })
  return {
    heap: peak.heap - before.heap,
    rss: peak.rss - before.rss,
    upMBps: total / MiB / (Number(t1 - t0) / 1e9),
    downMBps: total / MiB / (Number(t2 - t1) / 1e9),
  }
}
