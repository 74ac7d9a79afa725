import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fsBlobStore } from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { chunkRows, concat, drain, pattern, piecesOf, uploadText } from './files-helpers.js'
import { useEngine } from './harness.js'
import { expectError, register } from './helpers.js'

export function describeFilesBlobStore(options: ConformanceOptions): void {
  describe('files in fsBlobStore', () => {
    let dir = ''
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'pigeonhole-blobs-'))
    })
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true })
    })
    // The store is made per engine, in the directory of the test.
    const t = useEngine(options, {
      files: {
        chunkSize: 16,
        sweepIntervalMs: 0,
        blobStore: {
          put: (...a) => fsBlobStore({ dir, fsync: true }).put(...a),
          get: (...a) => fsBlobStore({ dir }).get(...a),
          delete: (...a) => fsBlobStore({ dir }).delete(...a),
        },
      },
    })

    it('upload, share, download: chunks are files in the directory, none in the database', async () => {
      await register(t.ph, 'alice', 'bob', 'carol')
      const data = pattern(100)
      const file = await t.ph.files.upload({
        owner: 'alice',
        name: 'a',
        mimeType: 'text/plain',
        data: piecesOf(data, 9),
      })
      expect(await chunkRows(t.store)).toEqual([])
      expect((await readdir(join(dir, file.id))).sort()).toEqual([
        '0',
        '1',
        '2',
        '3',
        '4',
        '5',
        '6',
      ])
      await t.ph.messages.send({ from: 'alice', to: ['bob'], content: {}, attachments: [file.id] })
      expect(await t.ph.files.downloadBytes({ owner: 'bob', id: file.id })).toEqual(data)
      await expectError(t.ph.files.download({ owner: 'carol', id: file.id }), 'forbidden')
    })

    it('a tampered chunk file: integrity_error, nothing of it released', async () => {
      await register(t.ph, 'alice')
      const data = pattern(48)
      const file = await t.ph.files.upload({
        owner: 'alice',
        name: 'a',
        mimeType: 'text/plain',
        data,
      })
      const path = join(dir, file.id, '2')
      const sealed = await readFile(path)
      sealed[0]! ^= 0x80
      await writeFile(path, sealed)
      const { got, error } = await drain(
        (await t.ph.files.download({ owner: 'alice', id: file.id })).stream,
      )
      expect(error).toMatchObject({ code: 'integrity_error' })
      expect(concat(got)).toEqual(data.subarray(0, 32))
    })

    it('too large, expired and deleted files leave no chunk files behind', async () => {
      const t2 = await t.open({
        files: {
          chunkSize: 16,
          sweepIntervalMs: 0,
          maxFileSize: 50,
          blobStore: fsBlobStore({ dir }),
        },
      })
      await register(t2.ph, 'alice')
      await expectError(
        t2.ph.files.upload({
          owner: 'alice',
          name: 'a',
          mimeType: 'text/plain',
          data: piecesOf(pattern(500), 20),
        }),
        'file_too_large',
      )
      expect(await readdir(dir)).toEqual([])
      await uploadText(t2.ph, 'alice', 'x', { expiresAt: t2.clock.now() + 5 })
      const gone = await uploadText(t2.ph, 'alice', 'y')
      expect(await readdir(dir)).toHaveLength(2)
      await t2.ph.files.delete({ owner: 'alice', id: gone.id })
      t2.clock.tick(5)
      expect(await t2.ph.files.sweep()).toEqual({ expired: 1, orphans: 1, staleUploads: 0 })
      expect(await readdir(dir)).toEqual([])
    })

    it('fsBlobStore refuses an id that is not a file id', async () => {
      const blobs = fsBlobStore({ dir })
      await expect(blobs.put('../escape', 0, new Uint8Array(1))).rejects.toMatchObject({
        code: 'invalid_input',
      })
      expect(await blobs.get('fil_none', 0)).toBeUndefined()
      await blobs.delete('fil_none')
    })
  })
}
