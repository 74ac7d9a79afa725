import { describe, expect, it } from 'vitest'
import { openPigeonhole } from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { chunkRows, concat, drain, keepOpen, pattern, uploadText } from './files-helpers.js'
import { CountingIds, TestClock, useEngine } from './harness.js'
import { expectError, register } from './helpers.js'

const key = (fill: number) => new Uint8Array(32).fill(fill)

export function describeFilesKeys(options: ConformanceOptions): void {
  describe('files: master key and integrity', () => {
    const t = useEngine(options, { files: { chunkSize: 16, sweepIntervalMs: 0 } })

    it('rotateMasterKey re-wraps every file key; chunks are unchanged and downloads still work', async () => {
      await register(t.ph, 'alice')
      const files = []
      for (let i = 0; i < 3; i++)
        files.push(await uploadText(t.ph, 'alice', `file ${i} `.repeat(9)))
      const wrappedBefore = await t.store.db
        .selectFrom('files')
        .select(['id', 'wrapped_key'])
        .orderBy('id')
        .execute()
      const chunksBefore = await chunkRows(t.store)
      expect(await t.ph.files.rotateMasterKey(key(7))).toEqual({ rewrapped: 3 })
      expect(await chunkRows(t.store)).toEqual(chunksBefore)
      const wrappedAfter = await t.store.db
        .selectFrom('files')
        .select(['id', 'wrapped_key'])
        .orderBy('id')
        .execute()
      for (let i = 0; i < 3; i++)
        expect(wrappedAfter[i]!.wrapped_key).not.toEqual(wrappedBefore[i]!.wrapped_key)
      for (let i = 0; i < 3; i++) {
        expect(
          new TextDecoder().decode(
            await t.ph.files.downloadBytes({ owner: 'alice', id: files[i]!.id }),
          ),
        ).toBe(`file ${i} `.repeat(9))
      }
      // Again with the same key: nothing left to do.
      expect(await t.ph.files.rotateMasterKey(key(7))).toEqual({ rewrapped: 0 })
      await expectError(t.ph.files.rotateMasterKey(new Uint8Array(31)), 'invalid_input', {
        field: 'newKey',
      })
    })

    it('a tampered chunk: integrity_error, and no plaintext of it or after it', async () => {
      await register(t.ph, 'alice')
      const data = pattern(16 * 3)
      const file = await t.ph.files.upload({
        owner: 'alice',
        name: 'a',
        mimeType: 'text/plain',
        data,
      })
      const [, second] = await chunkRows(t.store, file.id)
      const flipped = Buffer.from(second!.bytes)
      flipped[3]! ^= 1
      await t.store.db
        .updateTable('file_chunks')
        .set({ bytes: flipped })
        .where('file_id', '=', file.id)
        .where('idx', '=', 1)
        .execute()
      const { stream } = await t.ph.files.download({ owner: 'alice', id: file.id })
      const { got, error } = await drain(stream)
      expect(error).toMatchObject({ code: 'integrity_error' })
      expect(concat(got)).toEqual(data.subarray(0, 16))
      await expectError(
        t.ph.files.downloadBytes({ owner: 'alice', id: file.id }),
        'integrity_error',
      )
    })

    it('a dropped chunk or a wrapped key moved to another file: integrity_error', async () => {
      await register(t.ph, 'alice')
      const a = await t.ph.files.upload({
        owner: 'alice',
        name: 'a',
        mimeType: 'text/plain',
        data: pattern(40),
      })
      const b = await t.ph.files.upload({
        owner: 'alice',
        name: 'b',
        mimeType: 'text/plain',
        data: pattern(40, 2),
      })
      await t.store.db
        .deleteFrom('file_chunks')
        .where('file_id', '=', a.id)
        .where('idx', '=', 2)
        .execute()
      await expectError(t.ph.files.downloadBytes({ owner: 'alice', id: a.id }), 'integrity_error')
      const { wrapped_key } = await t.store.db
        .selectFrom('files')
        .select('wrapped_key')
        .where('id', '=', a.id)
        .executeTakeFirstOrThrow()
      await t.store.db.updateTable('files').set({ wrapped_key }).where('id', '=', b.id).execute()
      await expectError(t.ph.files.download({ owner: 'alice', id: b.id }), 'integrity_error')
    })
  })

  describe('files: the master key across opens', () => {
    it('a generated master key is kept in the store: another engine on it reads the files', async () => {
      const store = await options.openStore()
      const clock = new TestClock()
      const first = await openPigeonhole({ store: keepOpen(store), clock, ids: new CountingIds() })
      await first.accounts.register({ address: 'alice' })
      const file = await uploadText(first, 'alice', 'kept across opens')
      await first.close()
      const second = await openPigeonhole({ store, clock, ids: new CountingIds() })
      try {
        expect(
          new TextDecoder().decode(
            await second.files.downloadBytes({ owner: 'alice', id: file.id }),
          ),
        ).toBe('kept across opens')
        // Rotating a generated key keeps the new one in the store.
        await second.files.rotateMasterKey(key(9))
        const third = await openPigeonhole({
          store: keepOpen(store),
          clock,
          ids: new CountingIds(),
        })
        expect(await third.files.downloadBytes({ owner: 'alice', id: file.id })).toHaveLength(17)
        await third.close()
        // Another key in the options no longer matches the files: open fails.
        await expectError(
          openPigeonhole({ store: keepOpen(store), clock, files: { masterKey: key(1) } }),
          'integrity_error',
          { field: 'files.masterKey' },
        )
        expect(await second.verify()).toEqual([])
      } finally {
        await second.close()
      }
    })

    it('a master key from the options: the wrong one on the next open is refused at open', async () => {
      const store = await options.openStore()
      const clock = new TestClock()
      const first = await openPigeonhole({
        store: keepOpen(store),
        clock,
        files: { masterKey: key(3) },
      })
      await first.accounts.register({ address: 'alice' })
      const file = await uploadText(first, 'alice', 'secret')
      await first.files.rotateMasterKey(key(4))
      await first.close()
      try {
        await expectError(
          openPigeonhole({ store: keepOpen(store), clock, files: { masterKey: key(3) } }),
          'integrity_error',
          { field: 'files.masterKey' },
        )
        // No key in the options: the generated one does not match either.
        await expectError(openPigeonhole({ store: keepOpen(store), clock }), 'integrity_error')
      } finally {
        const again = await openPigeonhole({ store, clock, files: { masterKey: key(4) } })
        expect(await again.files.downloadBytes({ owner: 'alice', id: file.id })).toHaveLength(6)
        await again.close()
      }
    })
  })
}
