import { createCipheriv, createDecipheriv, getCiphers } from 'node:crypto'
import type { XAead } from './aead.js'
import { tagLength } from './aead.js'
import { hchachaSubkey } from './hchacha-subkey.js'

const algorithm = 'chacha20-poly1305'

/**
 * XChaCha20-Poly1305 run by node:crypto: the subkey from noble's HChaCha20 over the first 16
 * nonce bytes (cached for the last prefix seen: one derivation per file, whose chunks share
 * their prefix), then OpenSSL's IETF ChaCha20-Poly1305 with the nonce 0x00000000 ||
 * nonce[16..24]. Use it only where `nativeChaCha()` is true.
 */
export class NativeAead implements XAead {
  readonly implementation = 'native'
  readonly #key: Uint8Array
  #prefix: Uint8Array | undefined
  #subkey: Uint8Array | undefined

  constructor(key: Uint8Array) {
    this.#key = key
  }

  seal(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
    const cipher = createCipheriv(algorithm, this.#subkeyFor(nonce), ietfNonce(nonce), {
      authTagLength: tagLength,
    })
    cipher.setAAD(aad, { plaintextLength: plaintext.length })
    const body = cipher.update(plaintext)
    const rest = cipher.final()
    const sealed = new Uint8Array(plaintext.length + tagLength)
    sealed.set(body)
    sealed.set(rest, body.length)
    sealed.set(cipher.getAuthTag(), plaintext.length)
    return sealed
  }

  open(nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
    if (sealed.length < tagLength) return undefined
    const length = sealed.length - tagLength
    const decipher = createDecipheriv(algorithm, this.#subkeyFor(nonce), ietfNonce(nonce), {
      authTagLength: tagLength,
    })
    decipher.setAAD(aad, { plaintextLength: length })
    decipher.setAuthTag(sealed.subarray(length))
    // OpenSSL decrypts before it checks the tag: this plaintext is unverified until final()
    // succeeds, and is wiped, never returned, when it does not.
    const plain = decipher.update(sealed.subarray(0, length))
    try {
      decipher.final()
    } catch {
      plain.fill(0)
      return undefined
    }
    return new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength)
  }

  #subkeyFor(nonce: Uint8Array): Uint8Array {
    const prefix = nonce.subarray(0, 16)
    if (this.#subkey === undefined || !sameBytes(this.#prefix!, prefix)) {
      this.#subkey?.fill(0)
      this.#prefix = Uint8Array.from(prefix)
      this.#subkey = hchachaSubkey(this.#key, prefix)
    }
    return this.#subkey
  }
}

/** The IETF nonce of XChaCha20: four zero bytes, then the last 8 bytes of the 24. */
function ietfNonce(nonce: Uint8Array): Uint8Array {
  const out = new Uint8Array(12)
  out.set(nonce.subarray(16, 24), 4)
  return out
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** The XChaCha20-Poly1305 example of draft-irtf-cfrg-xchacha-03, appendix A.3.1. */
const draftVector = {
  key: '808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f',
  nonce: '404142434445464748494a4b4c4d4e4f5051525354555657',
  aad: '50515253c0c1c2c3c4c5c6c7',
  plaintext:
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  sealed:
    'bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39' +
    'ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9' +
    '21f9664c97637da9768812f615c68b13b52ec0875924c1c7987947deafd8780acf49',
}

let detected: boolean | undefined

/**
 * True when node:crypto has ChaCha20-Poly1305 and, run through `NativeAead`, it reproduces the
 * draft's XChaCha20-Poly1305 example byte for byte and opens it (checked once per process).
 * False where the cipher is missing (a FIPS build, another runtime): noble is used there.
 */
export function nativeChaCha(): boolean {
  detected ??= selfTest()
  return detected
}

function selfTest(): boolean {
  try {
    if (!getCiphers().includes(algorithm)) return false
    const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'))
    const aead = new NativeAead(hex(draftVector.key))
    const nonce = hex(draftVector.nonce)
    const aad = hex(draftVector.aad)
    const plaintext = new TextEncoder().encode(draftVector.plaintext)
    const sealed = aead.seal(nonce, plaintext, aad)
    if (Buffer.from(sealed).toString('hex') !== draftVector.sealed) return false
    const opened = aead.open(nonce, sealed, aad)
    return opened !== undefined && Buffer.from(opened).equals(Buffer.from(plaintext))
  } catch {
    return false
  }
}
