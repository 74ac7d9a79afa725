import { hchacha } from '@noble/ciphers/chacha.js'

/** 32-bit words over a fresh, aligned copy of `bytes`, in host byte order (noble's convention). */
function words(bytes: Uint8Array): Uint32Array {
  return new Uint32Array(Uint8Array.from(bytes).buffer)
}

/** ChaCha's constants, "expand 32-byte k", as noble's hchacha takes them. */
const sigma = words(new TextEncoder().encode('expand 32-byte k'))

/**
 * XChaCha20's subkey: HChaCha20(key, nonce[0..16]) by noble's `hchacha`, as 32 bytes. The
 * cipher then is IETF ChaCha20-Poly1305 under this subkey with the 12-byte nonce
 * 0x00000000 || nonce[16..24] (draft-irtf-cfrg-xchacha, section 2.3).
 */
export function hchachaSubkey(key: Uint8Array, noncePrefix: Uint8Array): Uint8Array {
  // hchacha reads and writes words over the bytes as they lie in memory, and swaps them
  // itself on big-endian hosts: the bytes of `out` are the subkey's bytes on any host.
  const k = words(key)
  const out = new Uint32Array(8)
  hchacha(sigma, k, words(noncePrefix), out)
  k.fill(0)
  return new Uint8Array(out.buffer)
}
