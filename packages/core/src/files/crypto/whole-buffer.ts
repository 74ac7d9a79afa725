import { FileDecryptor, type SealedSource } from './file-decryptor.js'
import { FileEncryptor } from './file-encryptor.js'
import type { DecryptOptions, EncryptOptions, EncryptSummary } from './types.js'

/** A whole file sealed at once: its header, its chunks in order, and its summary. */
export interface SealedFile extends EncryptSummary {
  readonly header: Uint8Array
  readonly chunks: readonly Uint8Array[]
}

/** Seals a whole buffer (small files, tests): the streaming encryptor over one piece. */
export async function encryptBytes(
  key: Uint8Array,
  plaintext: Uint8Array,
  options?: EncryptOptions,
): Promise<SealedFile> {
  const encryptor = new FileEncryptor(key, options)
  const chunks: Uint8Array[] = []
  for await (const chunk of encryptor.encrypt(plaintext)) chunks.push(chunk.sealed)
  return { header: encryptor.header, chunks, ...encryptor.summary() }
}

/** Opens a whole file into one buffer: `integrity_error` if any check fails. */
export async function decryptBytes(
  key: Uint8Array,
  header: Uint8Array,
  chunks: SealedSource,
  options?: DecryptOptions,
): Promise<Uint8Array> {
  const decryptor = new FileDecryptor(key, header, options)
  const parts: Uint8Array[] = []
  let length = 0
  for await (const part of decryptor.decrypt(chunks)) {
    parts.push(part)
    length += part.length
  }
  const out = new Uint8Array(length)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}
