import { describe, expect, it } from 'vitest'
import { openPigeonhole, type PigeonholeOptions } from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import {
  bytes,
  chunkRows,
  concat,
  fileRowCount,
  pattern,
  piecesOf,
  sha256,
  streamOf,
} from './files-helpers.js'
import { useEngine } from './harness.js'
import { eventsAfter, expectError, register } from './helpers.js'

/** A small chunk size, so a few hundred bytes make a multi-chunk file. */
const chunkSize = 16

export function describeFilesUpload(options: ConformanceOptions): void {
  describe('files.upload', () => {
    const t = useEngine(options, { files: { chunkSize, sweepIntervalMs: 0 } })

    const forms: [string, (data: Uint8Array) => unknown][] = [
      ['bytes', (d) => d],
      ['an async iterable of uneven pieces', (d) => piecesOf(d, 7)],
      ['a web ReadableStream', (d) => streamOf(d, 5)],
    ]
    for (const [form, wrap] of forms) {
      for (const size of [0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 5 * chunkSize, 300]) {
        it(`${form}, ${size} bytes: metadata, then the same bytes back`, async () => {
          await register(t.ph, 'alice')
          const data = pattern(size, size)
          const at = t.clock.tick(5)
          const file = await t.ph.files.upload({
            owner: 'alice',
            name: 'data.bin',
            mimeType: 'application/octet-stream',
            data: wrap(data) as Uint8Array,
          })
          expect(file).toEqual({
            id: expect.stringMatching(/^fil_/),
            owner: 'alice',
            name: 'data.bin',
            mimeType: 'application/octet-stream',
            size,
            sha256: await sha256(data),
            createdAt: at,
            expiresAt: null,
            expired: false,
          })
          expect(await t.ph.files.downloadBytes({ owner: 'alice', id: file.id })).toEqual(data)
          const rows = await chunkRows(t.store, file.id)
          expect(rows.map((r) => Number(r.idx))).toEqual(
            Array.from({ length: Math.max(1, Math.ceil(size / chunkSize)) }, (_, i) => i),
          )
        })
      }
    }

    it('the download stream gives the plaintext chunk by chunk', async () => {
      await register(t.ph, 'alice')
      const data = pattern(100)
      const file = await t.ph.files.upload({
        owner: 'alice',
        name: 'a',
        mimeType: 'text/plain',
        data,
      })
      const { file: meta, stream } = await t.ph.files.download({ owner: 'alice', id: file.id })
      expect(meta).toEqual(file)
      const parts: Uint8Array[] = []
      for await (const part of stream as unknown as AsyncIterable<Uint8Array>) parts.push(part)
      expect(parts.map((p) => p.length)).toEqual([16, 16, 16, 16, 16, 16, 4])
      expect(concat(parts)).toEqual(data)
    })

    it('emits file.uploaded for the owner, once it is ready', async () => {
      await register(t.ph, 'alice')
      const before = t.ph.events.lastCursor
      const file = await t.ph.files.upload({
        owner: 'Alice',
        name: 'a.txt',
        mimeType: 'text/plain',
        data: bytes('hello'),
      })
      expect(file.owner).toBe('alice')
      const events = await eventsAfter(t.ph, before)
      expect(events.map((e) => [e.type, e.owner, e.data])).toEqual([
        [
          'file.uploaded',
          'alice',
          { fileId: file.id, name: 'a.txt', mimeType: 'text/plain', size: 5 },
        ],
      ])
    })

    it('refuses an unknown owner (not_found) and bad input (invalid_input), keeping nothing', async () => {
      await register(t.ph, 'alice')
      await expectError(
        t.ph.files.upload({ owner: 'nobody', name: 'a', mimeType: 'text/plain', data: bytes('x') }),
        'not_found',
        { field: 'owner' },
      )
      const bad = [
        [{ owner: 'alice', name: '', mimeType: 'text/plain', data: bytes('x') }, 'name'],
        [{ owner: 'alice', name: 'a', mimeType: 'text', data: bytes('x') }, 'mimeType'],
        [{ owner: 'alice', name: 'a', mimeType: 'text/plain', data: 'text' }, 'data'],
        [{ owner: 'alice', name: 'a', mimeType: 'text/plain', data: bytes('x'), size: 1 }, 'size'],
        [
          { owner: 'alice', name: 'a', mimeType: 'text/plain', data: bytes('x'), expiresAt: 5 },
          'expiresAt',
        ],
      ] as const
      for (const [input, field] of bad) {
        await expectError(
          t.ph.files.upload(input as unknown as Parameters<typeof t.ph.files.upload>[0]),
          'invalid_input',
          { field },
        )
      }
      expect(await fileRowCount(t.store)).toBe(0)
      expect(await chunkRows(t.store)).toEqual([])
    })

    it('a source that fails mid-upload leaves nothing behind', async () => {
      await register(t.ph, 'alice')
      async function* failing() {
        yield pattern(100)
        throw new Error('the network went away')
      }
      await expect(
        t.ph.files.upload({ owner: 'alice', name: 'a', mimeType: 'text/plain', data: failing() }),
      ).rejects.toThrow('the network went away')
      expect(await fileRowCount(t.store)).toBe(0)
      expect(await chunkRows(t.store)).toEqual([])
    })
  })

  describe('files.maxFileSize', () => {
    const t = useEngine(options, { files: { chunkSize, maxFileSize: 100, sweepIntervalMs: 0 } })

    it('exactly the limit is accepted', async () => {
      await register(t.ph, 'alice')
      const file = await t.ph.files.upload({
        owner: 'alice',
        name: 'a',
        mimeType: 'text/plain',
        data: pattern(100),
      })
      expect(file.size).toBe(100)
    })

    for (const [form, make] of [
      ['bytes', () => pattern(101)],
      ['a stream larger than the limit', () => piecesOf(pattern(5000), 30)],
      ['a ReadableStream', () => streamOf(pattern(5000), 30)],
    ] as const) {
      it(`${form}: file_too_large with the limit, and nothing stays behind`, async () => {
        await register(t.ph, 'alice')
        const before = t.ph.events.lastCursor
        const error = await expectError(
          t.ph.files.upload({
            owner: 'alice',
            name: 'a',
            mimeType: 'text/plain',
            data: make() as Uint8Array,
          }),
          'file_too_large',
          { field: 'data' },
        )
        expect(error.details.limit).toBe(100)
        expect(error.details.got).toBeGreaterThan(100)
        expect(await fileRowCount(t.store)).toBe(0)
        expect(await chunkRows(t.store)).toEqual([])
        expect(await eventsAfter(t.ph, before)).toEqual([])
      })
    }
  })

  describe('files options', () => {
    it('refuses a bad files option, naming it', async () => {
      for (const [files, field] of [
        [{ masterKey: new Uint8Array(16) }, 'files.masterKey'],
        [{ maxFileSize: -1 }, 'files.maxFileSize'],
        [{ chunkSize: 0 }, 'files.chunkSize'],
        [{ blobStore: {} }, 'files.blobStore'],
      ] as const) {
        const store = await options.openStore()
        try {
          await expectError(
            openPigeonhole({ store, files } as unknown as PigeonholeOptions),
            'invalid_input',
            { field },
          )
        } finally {
          await store.close()
        }
      }
    })
  })
}
