import { createHash } from 'node:crypto'
import { expect } from 'vitest'
import { isPigeonholeError } from '../../src/errors.js'
import type { CipherChoice } from '../../src/files/crypto/index.js'
import { FileDecryptor, nativeChaCha } from '../../src/files/crypto/index.js'

/** Both implementations: every format test runs on each (native only where node:crypto has it). */
export const ciphers: readonly ('native' | 'noble')[] = nativeChaCha()
  ? ['native', 'noble']
  : ['noble']

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
export const fromHex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'))
export const sha256 = (bytes: Uint8Array): string =>
  createHash('sha256').update(bytes).digest('hex')

/** Bytes 0, 1, 2, ... (mod 256) from `start`: recognizable plaintext. */
export function counting(length: number, start = 0): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = (start + i) & 0xff
  return out
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts))
}

/** Runs a decryption to its end or its error: what it released, and how it ended. */
export async function attempt(
  key: Uint8Array,
  header: Uint8Array,
  chunks: readonly Uint8Array[],
  cipher: CipherChoice,
): Promise<{ released: Uint8Array[]; error: unknown }> {
  const released: Uint8Array[] = []
  try {
    const decryptor = new FileDecryptor(key, header, { cipher })
    for await (const plain of decryptor.decrypt(chunks)) released.push(Uint8Array.from(plain))
    return { released, error: undefined }
  } catch (error) {
    return { released, error }
  }
}

/**
 * The decryption failed with integrity_error, and released at most the plaintext of the chunks
 * before `badChunk`, each exactly as it was: nothing of the bad chunk or after it.
 */
export function expectRejected(
  outcome: { released: Uint8Array[]; error: unknown },
  plainChunks: readonly Uint8Array[],
  badChunk: number,
): void {
  expect(isPigeonholeError(outcome.error, 'integrity_error'), String(outcome.error)).toBe(true)
  expect(outcome.released.length).toBeLessThanOrEqual(badChunk)
  for (const [i, plain] of outcome.released.entries()) expect(hex(plain)).toBe(hex(plainChunks[i]!))
}
