import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import type { XAead } from './aead.js'
import { tagLength } from './aead.js'

/** XChaCha20-Poly1305 from @noble/ciphers: the reference path, pure JavaScript. */
export class NobleAead implements XAead {
  readonly implementation = 'noble'
  readonly #key: Uint8Array

  constructor(key: Uint8Array) {
    this.#key = key
  }

  seal(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
    return xchacha20poly1305(this.#key, nonce, aad).encrypt(plaintext)
  }

  open(nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
    if (sealed.length < tagLength) return undefined
    try {
      // noble checks the tag over the ciphertext before it decrypts anything.
      return xchacha20poly1305(this.#key, nonce, aad).decrypt(sealed)
    } catch {
      return undefined
    }
  }
}
