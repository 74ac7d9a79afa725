import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { decryptBytes, encryptBytes, unwrapKey, wrapKey } from '../../src/files/crypto/index.js'
import { ciphers, fromHex, hex } from './helpers.js'
import { type FileVector, fileVectors, type WrapVector, wrapVector } from './vectors.js'

const docPath = new URL('../../docs/file-format.md', import.meta.url)

/** The vectors block of docs/file-format.md, parsed back into the vectors' shape. */
function vectorsInDoc(): { files: FileVector[]; wrap: WrapVector | undefined } {
  const doc = readFileSync(docPath, 'utf8')
  const block =
    /<!-- test-vectors: begin[^>]*-->\s*```text\n([\s\S]*?)```\s*<!-- test-vectors: end -->/.exec(
      doc,
    )
  if (!block) throw new Error('no test-vectors block in docs/file-format.md')
  const files: FileVector[] = []
  let wrap: WrapVector | undefined
  for (const paragraph of block[1]!.trim().split(/\n\s*\n/)) {
    const [title, ...lines] = paragraph.split('\n')
    const fields = new Map<string, string>()
    for (const line of lines) {
      const m = /^(\S.*?)\s{2,}(\S.*)$/.exec(line)
      if (!m) throw new Error(`unreadable vector line: ${line}`)
      fields.set(m[1]!, m[2]!)
    }
    const field = (name: string) => {
      const value = fields.get(name)
      if (value === undefined) throw new Error(`${title}: no ${name}`)
      return value
    }
    if (title!.startsWith('file vector: ')) {
      const chunks: string[] = []
      for (let i = 0; fields.has(`chunk ${i}`); i++) chunks.push(field(`chunk ${i}`))
      files.push({
        name: title!.slice('file vector: '.length),
        key: field('key'),
        noncePrefix: field('nonce prefix'),
        chunkSize: Number(field('chunk size')),
        plaintext: JSON.parse(field('plaintext')) as string,
        header: field('header'),
        chunks,
        sha256: field('sha256'),
      })
    } else if (title === 'key wrap vector') {
      wrap = {
        masterKey: field('master key'),
        fileId: field('file id'),
        fileKey: field('file key'),
        wrapNonce: field('wrap nonce'),
        wrapped: field('wrapped'),
      }
    } else throw new Error(`unknown vector ${title}`)
  }
  return { files, wrap }
}

test('the vectors in docs/file-format.md are the vectors the code is checked against', () => {
  expect(vectorsInDoc()).toEqual({ files: fileVectors, wrap: wrapVector })
})

describe.each(ciphers)('test vectors (%s)', (cipher) => {
  test.each(fileVectors)('file vector: $name', async (v) => {
    const key = fromHex(v.key)
    const plaintext = new TextEncoder().encode(v.plaintext)
    const sealed = await encryptBytes(key, plaintext, {
      chunkSize: v.chunkSize,
      noncePrefix: fromHex(v.noncePrefix),
      cipher,
    })
    expect(hex(sealed.header)).toBe(v.header)
    expect(sealed.chunks.map(hex)).toEqual(v.chunks)
    expect(sealed.sha256).toBe(v.sha256)
    const opened = await decryptBytes(key, fromHex(v.header), v.chunks.map(fromHex), { cipher })
    expect(new TextDecoder().decode(opened)).toBe(v.plaintext)
  })

  test('key wrap vector', () => {
    const v = wrapVector
    const wrapped = wrapKey(fromHex(v.masterKey), v.fileId, fromHex(v.fileKey), {
      nonce: fromHex(v.wrapNonce),
      cipher,
    })
    expect(hex(wrapped)).toBe(v.wrapped)
    expect(hex(unwrapKey(fromHex(v.masterKey), v.fileId, fromHex(v.wrapped), { cipher }))).toBe(
      v.fileKey,
    )
  })
})
