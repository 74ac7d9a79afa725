import { describe, expect, it } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { bytes, chunkRows, fileRowCount, uploadText } from './files-helpers.js'
import { useEngine } from './harness.js'
import { expectError, register } from './helpers.js'

export function describeFilesLifecycle(options: ConformanceOptions): void {
  describe('files: expiry, orphans, stale uploads', () => {
    const t = useEngine(options, { files: { chunkSize: 16, sweepIntervalMs: 0 } })

    it('an expired file loses its contents; the message keeps its metadata marked expired', async () => {
      await register(t.ph, 'alice', 'bob')
      const expiresAt = t.clock.now() + 1000
      const file = await uploadText(t.ph, 'alice', 'a'.repeat(100), { expiresAt })
      const keep = await uploadText(t.ph, 'alice', 'stays')
      const m = await t.ph.messages.send({
        from: 'alice',
        to: ['bob'],
        content: {},
        attachments: [file.id, keep.id],
      })
      expect(file.expiresAt).toBe(expiresAt)
      expect(await t.ph.files.sweep()).toEqual({ expired: 0, orphans: 0, staleUploads: 0 })
      t.clock.tick(1000)
      // Past expiresAt: no download even before the sweep ran.
      await expectError(t.ph.files.download({ owner: 'bob', id: file.id }), 'not_found')
      expect((await t.ph.files.get({ owner: 'bob', id: file.id }))?.expired).toBe(true)
      expect(await t.ph.files.sweep()).toEqual({ expired: 1, orphans: 0, staleUploads: 0 })
      expect(await chunkRows(t.store, file.id)).toEqual([])
      const row = await t.store.db
        .selectFrom('files')
        .select(['wrapped_key', 'header', 'status'])
        .where('id', '=', file.id)
        .executeTakeFirstOrThrow()
      expect(row).toEqual({ wrapped_key: null, header: null, status: 'expired' })
      const got = await t.ph.messages.get({ owner: 'bob', id: m.id })
      expect(got?.files).toEqual([{ ...file, expired: true }, keep])
      const error = await expectError(
        t.ph.files.download({ owner: 'bob', id: file.id }),
        'not_found',
      )
      expect(error.details.expired).toBe(true)
      expect(await t.ph.files.downloadBytes({ owner: 'bob', id: keep.id })).toEqual(bytes('stays'))
      // Once no message attaches it, the metadata goes too.
      await t.ph.messages.retract({ id: m.id, by: 'alice' })
      expect(await t.ph.files.sweep()).toEqual({ expired: 0, orphans: 1, staleUploads: 0 })
      expect(await t.ph.admin.getFile(file.id)).toBeNull()
      expect(await t.ph.admin.getFile(keep.id)).toEqual(keep)
    })

    it('an expired file no message attaches is deleted whole', async () => {
      await register(t.ph, 'alice')
      await uploadText(t.ph, 'alice', 'x', { expiresAt: t.clock.now() + 10 })
      t.clock.tick(10)
      expect(await t.ph.files.sweep()).toEqual({ expired: 1, orphans: 1, staleUploads: 0 })
      expect(await fileRowCount(t.store)).toBe(0)
      expect(await chunkRows(t.store)).toEqual([])
    })

    it('a file its owner deleted and no message attaches is deleted at once', async () => {
      await register(t.ph, 'alice')
      const file = await uploadText(t.ph, 'alice', 'x'.repeat(50))
      await t.ph.files.delete({ owner: 'alice', id: file.id })
      expect(await fileRowCount(t.store)).toBe(0)
      expect(await chunkRows(t.store)).toEqual([])
      expect(await t.ph.admin.getFile(file.id)).toBeNull()
    })

    it('a removed account’s files: those no message attaches are swept, the others kept', async () => {
      await register(t.ph, 'alice', 'bob')
      const sent = await uploadText(t.ph, 'alice', 'sent')
      const kept = await uploadText(t.ph, 'alice', 'never sent')
      await t.ph.messages.send({ from: 'alice', to: ['bob'], content: {}, attachments: [sent.id] })
      await t.ph.accounts.remove('alice')
      expect(await t.ph.verify()).toEqual([])
      expect(await t.ph.files.sweep()).toEqual({ expired: 0, orphans: 1, staleUploads: 0 })
      expect(await t.ph.admin.getFile(kept.id)).toBeNull()
      expect(await t.ph.files.downloadBytes({ owner: 'bob', id: sent.id })).toEqual(bytes('sent'))
    })

    it('an upload a crash left unfinished is removed by the sweep after an hour', async () => {
      await register(t.ph, 'alice')
      const now = t.clock.now()
      await t.store.db
        .insertInto('files')
        .values({
          id: 'fil_crashed',
          owner: 'alice',
          name: 'half',
          mime_type: 'text/plain',
          status: 'uploading',
          size: 0,
          sha256: null,
          header: null,
          wrapped_key: null,
          key_id: null,
          chunk_count: 0,
          created_at: now,
          updated_at: now,
          expires_at: null,
          deleted_at: null,
        })
        .execute()
      await t.store.db
        .insertInto('file_chunks')
        .values([0, 1].map((idx) => ({ file_id: 'fil_crashed', idx, bytes: Buffer.alloc(32) })))
        .execute()
      expect(await t.ph.files.get({ owner: 'alice', id: 'fil_crashed' })).toBeNull()
      expect(await t.ph.files.sweep()).toEqual({ expired: 0, orphans: 0, staleUploads: 0 })
      t.clock.tick(60 * 60 * 1000 + 1)
      expect(await t.ph.files.sweep()).toEqual({ expired: 0, orphans: 0, staleUploads: 1 })
      expect(await fileRowCount(t.store)).toBe(0)
      expect(await chunkRows(t.store)).toEqual([])
    })

    it('verify reports chunks whose file is gone', async () => {
      await register(t.ph, 'alice')
      await t.store.db
        .insertInto('file_chunks')
        .values({ file_id: 'fil_ghost', idx: 0, bytes: Buffer.alloc(20) })
        .execute()
      expect(await t.ph.verify()).toEqual([
        { kind: 'orphan_file_chunk', details: { fileId: 'fil_ghost', chunks: 1 } },
      ])
      await t.store.db.deleteFrom('file_chunks').execute()
    })
  })

  describe('files: the periodic sweep', () => {
    const t = useEngine(options, { files: { sweepIntervalMs: 20 } })

    it('runs on its own every sweepIntervalMs', async () => {
      await register(t.ph, 'alice')
      await uploadText(t.ph, 'alice', 'x', { expiresAt: t.clock.now() + 10 })
      t.clock.tick(10)
      for (let i = 0; i < 200 && (await fileRowCount(t.store)) > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      expect(await fileRowCount(t.store)).toBe(0)
    })
  })
}
