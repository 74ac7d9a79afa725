// The file encryption format (docs/file-format.md), for the files facade: internal, not part
// of the package's public exports.
export type { CipherChoice, XAead } from './aead.js'
export { keyLength, nonceLength, tagLength } from './aead.js'
export { chunkNonce } from './chunk-nonce.js'
export { FileDecryptor, type SealedSource } from './file-decryptor.js'
export { FileEncryptor } from './file-encryptor.js'
export {
  decodeHeader,
  defaultChunkSize,
  encodeHeader,
  type FileHeader,
  formatVersion,
  headerLength,
  maxChunkSize,
  noncePrefixLength,
} from './header.js'
export {
  generateFileKey,
  unwrapKey,
  type WrapOptions,
  wrapKey,
  wrappedKeyLength,
} from './key-wrap.js'
export { nativeChaCha } from './native-aead.js'
export { xaead } from './select-aead.js'
export type {
  ByteSource,
  DecryptOptions,
  DecryptSummary,
  EncryptOptions,
  EncryptSummary,
  SealedChunk,
} from './types.js'
export { decryptBytes, encryptBytes, type SealedFile } from './whole-buffer.js'
