import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import {
  defaultChunkSize,
  FileDecryptor,
  FileEncryptor,
  generateFileKey,
  nativeChaCha,
} from '../../../packages/core/src/files/crypto/index.js'
import { type BenchCase, type BenchRow, planFor } from '../lib/case.js'
import { collectGarbage, memoryNow } from '../lib/heap.js'
import { measureAlternating, type Stats } from '../lib/measure.js'

const MiB = 1024 * 1024
const chunk = defaultChunkSize

/** The plaintext as a stream of 64 KiB pieces (views of one buffer: no copies on this side). */
async function* pieces(data: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += chunk) yield data.subarray(at, at + chunk)
}

/**
 * The raw reference: node:crypto's ChaCha20-Poly1305 over the same bytes in the same 64 KiB
 * chunks, one cipher object per chunk (a fresh nonce each), ciphertext and tag kept: what a
 * careful hand-written chunked encryption does, without a format, a hash or async iteration.
 */
export function rawEncrypt(key: Uint8Array, data: Uint8Array, hash: boolean): Uint8Array[] {
  const out: Uint8Array[] = []
  const iv = Buffer.alloc(12)
  const sha = hash ? createHash('sha256') : undefined
  for (let at = 0, i = 0; at < data.length; at += chunk, i++) {
    const piece = data.subarray(at, at + chunk)
    sha?.update(piece)
    iv.writeUInt32BE(i, 8)
    const cipher = createCipheriv('chacha20-poly1305', key, iv, { authTagLength: 16 })
    out.push(cipher.update(piece))
    cipher.final()
    out.push(cipher.getAuthTag())
  }
  sha?.digest()
  return out
}

export function rawDecrypt(key: Uint8Array, sealed: readonly Uint8Array[]): number {
  const iv = Buffer.alloc(12)
  let bytes = 0
  for (let i = 0; i < sealed.length; i += 2) {
    iv.writeUInt32BE(i / 2, 8)
    const decipher = createDecipheriv('chacha20-poly1305', key, iv, { authTagLength: 16 })
    decipher.setAuthTag(sealed[i + 1]!)
    bytes += decipher.update(sealed[i]!).length
    decipher.final()
  }
  return bytes
}

async function encryptFile(key: Uint8Array, data: Uint8Array, cipher: 'native' | 'noble') {
  const encryptor = new FileEncryptor(key, { cipher })
  const chunks: Uint8Array[] = []
  for await (const c of encryptor.encrypt(pieces(data))) chunks.push(c.sealed)
  if (encryptor.summary().size !== data.length) throw new Error('file-crypto: size differs')
  return { header: encryptor.header, chunks }
}

async function decryptFile(
  key: Uint8Array,
  file: { header: Uint8Array; chunks: Uint8Array[] },
  cipher: 'native' | 'noble',
): Promise<number> {
  let bytes = 0
  for await (const plain of new FileDecryptor(key, file.header, { cipher }).decrypt(file.chunks)) {
    bytes += plain.length
  }
  return bytes
}

const mbps = (bytes: number, s: Stats) => (bytes / MiB / (s.medianNs / 1e9)).toFixed(0)

/** Streams `total` bytes through encrypt and decrypt; the peak memory growth on the way. */
async function streamingPeak(total: number): Promise<{ heap: number; rss: number }> {
  const key = generateFileKey()
  const encryptor = new FileEncryptor(key)
  const decryptor = new FileDecryptor(key, encryptor.header)
  const piece = Uint8Array.from(randomBytes(chunk))
  async function* source() {
    for (let sent = 0; sent < total; sent += piece.length) yield piece
  }
  async function* sealed() {
    for await (const c of encryptor.encrypt(source())) yield c.sealed
  }
  const sample = memoryNow
  // The baseline after a full collection (and a pause: V8 frees array buffers off-thread), so
  // the garbage of the cases before does not hide growth.
  await collectGarbage()
  const before = sample()
  const peak = { ...before }
  let n = 0
  let bytes = 0
  for await (const plain of decryptor.decrypt(sealed())) {
    bytes += plain.length
    if (++n % 16 === 0) {
      const now = sample()
      peak.heap = Math.max(peak.heap, now.heap)
      peak.rss = Math.max(peak.rss, now.rss)
    }
  }
  if (bytes !== total) throw new Error('file-crypto: streamed size differs')
  return { heap: peak.heap - before.heap, rss: peak.rss - before.rss }
}

export const fileCryptoCase: BenchCase = {
  name: 'file-crypto',
  summary:
    'file encryption (64 KiB XChaCha20-Poly1305 chunks) streamed, beside raw node:crypto ChaCha20-Poly1305',
  async run(env) {
    const size = env.quick ? 4 * MiB : 64 * MiB
    const data = Uint8Array.from(randomBytes(size))
    const key = generateFileKey()
    const rawKey = Uint8Array.from(randomBytes(32))
    const label = `${size / MiB} MiB`
    const rows: BenchRow[] = []
    const paths = nativeChaCha() ? (['native', 'noble'] as const) : (['noble'] as const)
    if (!nativeChaCha()) env.log('node:crypto has no usable chacha20-poly1305: noble only')
    const rawSealed = rawEncrypt(rawKey, data, false)
    for (const cipher of paths) {
      const plan =
        cipher === 'native'
          ? planFor(
              env,
              { warmupOps: 1, samples: 3, opsPerSample: 1 },
              { warmupOps: 2, samples: 9, opsPerSample: 1 },
            )
          : planFor(
              env,
              { warmupOps: 0, samples: 1, opsPerSample: 1 },
              { warmupOps: 1, samples: 3, opsPerSample: 1 },
            )
      const file = await encryptFile(key, data, cipher)
      const [enc, raw, rawHashed] = await measureAlternating(
        [
          () => encryptFile(key, data, cipher),
          () => rawEncrypt(rawKey, data, false),
          () => rawEncrypt(rawKey, data, true),
        ],
        plan,
      )
      const [dec, rawDec] = await measureAlternating(
        [() => decryptFile(key, file, cipher), () => rawDecrypt(rawKey, rawSealed)],
        plan,
      )
      env.log(
        `${cipher}: encrypt ${mbps(size, enc!)} MB/s (with sha256) · raw chacha20-poly1305 ` +
          `${mbps(size, raw!)} MB/s, + sha256 ${mbps(size, rawHashed!)} MB/s · decrypt ` +
          `${mbps(size, dec!)} MB/s · raw ${mbps(size, rawDec!)} MB/s`,
      )
      rows.push(
        {
          case: 'file-crypto',
          measure: `encrypt ${label} (${cipher}) / raw cipher`,
          engine: enc!,
          reference: raw!,
        },
        {
          case: 'file-crypto',
          measure: `encrypt ${label} (${cipher}) / raw cipher + sha256`,
          engine: enc!,
          reference: rawHashed!,
        },
        {
          case: 'file-crypto',
          measure: `decrypt ${label} (${cipher}) / raw cipher`,
          engine: dec!,
          reference: rawDec!,
        },
      )
    }
    const streamed = env.quick ? 64 * MiB : 1024 * MiB
    const peak = await streamingPeak(streamed)
    env.log(
      `${streamed / MiB} MiB streamed through encrypt and decrypt (auto): peak growth ` +
        `heap + array buffers ${(peak.heap / MiB).toFixed(1)} MiB, rss ${(peak.rss / MiB).toFixed(1)} MiB`,
    )
    return rows
  },
}
