/**
 * The format's test vectors: fixed inputs and the exact bytes they seal to. The same vectors
 * are listed in packages/core/docs/file-format.md; vectors.test.ts checks both against the code.
 */
export interface FileVector {
  name: string
  key: string
  noncePrefix: string
  chunkSize: number
  /** UTF-8 text (the plaintext's bytes are its encoding). */
  plaintext: string
  header: string
  chunks: string[]
  sha256: string
}

export interface WrapVector {
  masterKey: string
  fileId: string
  fileKey: string
  wrapNonce: string
  wrapped: string
}

const key = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'
const noncePrefix = 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf'
const header = '0100000010a0a1a2a3a4a5a6a7a8a9aaabacadaeaf'

export const fileVectors: FileVector[] = [
  {
    name: 'three chunks',
    key,
    noncePrefix,
    chunkSize: 16,
    plaintext: 'Pigeonhole seals every file in chunks.',
    header,
    chunks: [
      '44a5212f902753a5509a72183fb921c27b322e7f4317252092696440eec7dfee',
      'f10b185c13ec96217715357843395b17658da9bfd6834467ea9f1cfd87f45bd2',
      'ec1f785eba17c25ea77133cda89b25030a15acd906f2',
    ],
    sha256: 'e25658ff9d441a5fff0d7fc5023711d37dc50e9a1d0e8c4cf2b9ea2cbaf37ddc',
  },
  {
    name: 'empty file',
    key,
    noncePrefix,
    chunkSize: 16,
    plaintext: '',
    header,
    chunks: ['0b3f1c466388d5d5cbf286dee8bca845'],
    sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  },
  {
    name: 'two full chunks',
    key,
    noncePrefix,
    chunkSize: 16,
    plaintext: 'exactly thirty-two bytes long!!!',
    header,
    chunks: [
      '71b427298b2542ea48973b192ea160c5b953d249c68d794bc004c2b85ab26d9f',
      '3326a8f00a59adbe0b9e8871edbf2bcccbb9cd82dac351c6a6857724c3d32018',
    ],
    sha256: '0a0e895413e8094c1d8a47e04bc4ef66a3638a77b649af09d13e1df66d7a76d1',
  },
]

export const wrapVector: WrapVector = {
  masterKey: '404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f',
  fileId: 'file_01JZ8X4K7Q',
  fileKey: key,
  wrapNonce: '606162636465666768696a6b6c6d6e6f7071727374757677',
  wrapped:
    '01606162636465666768696a6b6c6d6e6f7071727374757677957ff1667717e52cf5ba3d7156cfd3e4ec36bba5e9' +
    '74f050f976e1d18b4d411d7aa2962f1e4fa0603c47addd10d53ca6',
}
