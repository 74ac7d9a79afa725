import type { CipherChoice, XAead } from './aead.js'
import { keyLength } from './aead.js'
import { assertBytes, invalidInput } from './integrity.js'
import { NativeAead, nativeChaCha } from './native-aead.js'
import { NobleAead } from './noble-aead.js'

/** XChaCha20-Poly1305 under `key` by the chosen implementation ('auto': native if it is sound). */
export function xaead(key: Uint8Array, cipher: CipherChoice = 'auto'): XAead {
  assertBytes(key, keyLength, 'key')
  switch (cipher) {
    case 'noble':
      return new NobleAead(key)
    case 'native':
      if (!nativeChaCha()) {
        throw invalidInput("node:crypto's chacha20-poly1305 is not available here", { cipher })
      }
      return new NativeAead(key)
    case 'auto':
      return nativeChaCha() ? new NativeAead(key) : new NobleAead(key)
    default:
      throw invalidInput(`unknown cipher ${String(cipher)}`, { cipher })
  }
}
