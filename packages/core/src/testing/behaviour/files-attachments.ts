import { describe, expect, it } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { chunkRows, fileRowCount, uploadText } from './files-helpers.js'
import { useEngine } from './harness.js'
import { expectError, expectNothingStored, register } from './helpers.js'

export function describeFilesAttachments(options: ConformanceOptions): void {
  describe('messages.send with attachments', () => {
    const t = useEngine(options, { files: { chunkSize: 16, sweepIntervalMs: 0 } })

    it('an unknown file: not_found naming attachments, and nothing is sent', async () => {
      await register(t.ph, 'alice', 'bob')
      const mine = await uploadText(t.ph, 'alice', 'x')
      const error = await expectError(
        t.ph.messages.send({
          from: 'alice',
          to: ['bob'],
          content: {},
          attachments: [mine.id, 'fil_missing'],
        }),
        'not_found',
        { field: 'attachments', message: /fil_missing/ },
      )
      expect(error.details.fileIds).toEqual(['fil_missing'])
      await expectNothingStored(t.ph, ['alice', 'bob'])
    })

    it('someone else’s file: forbidden naming attachments', async () => {
      await register(t.ph, 'alice', 'bob')
      const bobs = await uploadText(t.ph, 'bob', 'private')
      const error = await expectError(
        t.ph.messages.send({ from: 'alice', to: ['bob'], content: {}, attachments: [bobs.id] }),
        'forbidden',
        { field: 'attachments' },
      )
      expect(error.details.fileIds).toEqual([bobs.id])
    })

    it('a file received in a message may be forwarded; the new recipient may read it', async () => {
      await register(t.ph, 'alice', 'bob', 'carol')
      const file = await uploadText(t.ph, 'alice', 'pass it on')
      await t.ph.messages.send({ from: 'alice', to: ['bob'], content: {}, attachments: [file.id] })
      const fwd = await t.ph.messages.send({
        from: 'bob',
        to: ['carol'],
        content: { text: 'fwd' },
        attachments: [file.id],
      })
      expect(fwd.attachments).toEqual([file.id])
      expect(await t.ph.files.get({ owner: 'carol', id: file.id })).toEqual(file)
      // carol got it too, so carol may forward it; a stranger may not.
      await register(t.ph, 'dave')
      await expectError(
        t.ph.messages.send({ from: 'dave', to: ['carol'], content: {}, attachments: [file.id] }),
        'forbidden',
      )
    })

    it('an expired file or one the owner deleted (not received) cannot be attached: not_found', async () => {
      await register(t.ph, 'alice', 'bob')
      const soon = await uploadText(t.ph, 'alice', 'x', { expiresAt: t.clock.now() + 100 })
      const gone = await uploadText(t.ph, 'alice', 'y')
      await t.ph.files.delete({ owner: 'alice', id: gone.id })
      t.clock.tick(100)
      for (const id of [soon.id, gone.id]) {
        await expectError(
          t.ph.messages.send({ from: 'alice', to: ['bob'], content: {}, attachments: [id] }),
          'not_found',
          { field: 'attachments' },
        )
      }
    })

    it('a system message may attach any ready file; sendMany judges each item', async () => {
      await register(t.ph, 'alice', 'bob')
      const file = await uploadText(t.ph, 'alice', 'x')
      const sys = await t.ph.messages.send({
        from: null,
        to: ['bob'],
        content: {},
        attachments: [file.id],
      })
      expect(await t.ph.files.get({ owner: 'bob', id: file.id })).toEqual(file)
      expect(sys.attachments).toEqual([file.id])
      const result = await t.ph.messages.sendMany([
        { identifier: 'ok', from: 'alice', to: ['bob'], content: {}, attachments: [file.id] },
        { identifier: 'bad', from: 'bob', to: ['alice'], content: {}, attachments: ['fil_x'] },
        {
          identifier: 'twice',
          from: 'alice',
          to: ['bob'],
          content: {},
          attachments: [file.id, file.id],
        },
      ])
      expect(result.items.map((i) => [i.identifier, i.status, i.error?.code])).toEqual([
        ['ok', 'created', undefined],
        ['bad', 'failed', 'not_found'],
        ['twice', 'created', undefined],
      ])
    })

    it('a file attached to a message is kept when its owner deletes it, and deleted with no message left', async () => {
      await register(t.ph, 'alice', 'bob')
      const file = await uploadText(t.ph, 'alice', 'kept')
      const m = await t.ph.messages.send({
        from: 'alice',
        to: ['bob'],
        content: {},
        attachments: [file.id],
      })
      await t.ph.files.delete({ owner: 'alice', id: file.id })
      expect(await t.ph.files.sweep()).toEqual({ expired: 0, orphans: 0, staleUploads: 0 })
      expect(await fileRowCount(t.store)).toBe(1)
      await t.ph.messages.retract({ id: m.id, by: 'alice' })
      expect(await t.ph.files.sweep()).toEqual({ expired: 0, orphans: 1, staleUploads: 0 })
      expect(await fileRowCount(t.store)).toBe(0)
      expect(await chunkRows(t.store)).toEqual([])
    })
  })
}
