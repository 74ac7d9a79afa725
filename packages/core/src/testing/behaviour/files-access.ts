import { describe, expect, it } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { bytes, uploadText } from './files-helpers.js'
import { useEngine } from './harness.js'
import { expectError, register } from './helpers.js'

export function describeFilesAccess(options: ConformanceOptions): void {
  describe('files: who may see and download', () => {
    const t = useEngine(options, { files: { chunkSize: 16, sweepIntervalMs: 0 } })

    /** alice uploads a file and sends it to bob; carol is a stranger. */
    async function shared() {
      await register(t.ph, 'alice', 'bob', 'carol')
      const file = await uploadText(t.ph, 'alice', 'the quarterly numbers')
      const message = await t.ph.messages.send({
        from: 'alice',
        to: ['bob'],
        content: { text: 'see attached' },
        attachments: [file.id],
      })
      return { file, message }
    }

    it('the owner and the recipients see and download it; a stranger does not', async () => {
      const { file } = await shared()
      for (const owner of ['alice', 'bob', 'BOB']) {
        expect(await t.ph.files.get({ owner, id: file.id })).toEqual(file)
        expect(await t.ph.files.downloadBytes({ owner, id: file.id })).toEqual(
          bytes('the quarterly numbers'),
        )
      }
      expect(await t.ph.files.get({ owner: 'carol', id: file.id })).toBeNull()
      await expectError(t.ph.files.download({ owner: 'carol', id: file.id }), 'forbidden', {
        field: 'owner',
      })
      await expectError(t.ph.files.downloadBytes({ owner: 'carol', id: file.id }), 'forbidden')
    })

    it('an unknown id: null from get, not_found from download', async () => {
      await register(t.ph, 'alice')
      expect(await t.ph.files.get({ owner: 'alice', id: 'fil_nope' })).toBeNull()
      await expectError(t.ph.files.download({ owner: 'alice', id: 'fil_nope' }), 'not_found', {
        field: 'id',
      })
      await expectError(t.ph.files.get({ owner: 'alice', id: '' }), 'invalid_input', {
        field: 'id',
      })
      expect(await t.ph.admin.getFile('fil_nope')).toBeNull()
    })

    it('a recipient who deleted the message still may; a retracted message gives no access', async () => {
      const { file, message } = await shared()
      await t.ph.messages.delete({ owner: 'bob', ids: [message.id] })
      expect(await t.ph.files.get({ owner: 'bob', id: file.id })).toEqual(file)
      await t.ph.messages.retract({ id: message.id, by: 'alice' })
      expect(await t.ph.files.get({ owner: 'bob', id: file.id })).toBeNull()
      await expectError(t.ph.files.download({ owner: 'bob', id: file.id }), 'forbidden')
      // The owner still has it.
      expect(await t.ph.files.get({ owner: 'alice', id: file.id })).toEqual(file)
    })

    it('the owner deletes it: gone from their files, still there through the message', async () => {
      const { file } = await shared()
      const unsent = await uploadText(t.ph, 'alice', 'draft')
      await t.ph.files.delete({ owner: 'alice', id: file.id })
      await t.ph.files.delete({ owner: 'alice', id: unsent.id })
      expect(await t.ph.files.get({ owner: 'alice', id: unsent.id })).toBeNull()
      await expectError(t.ph.files.download({ owner: 'alice', id: unsent.id }), 'not_found')
      // alice sent a message that attaches it: as its sender she still reads it, like bob.
      expect(await t.ph.files.get({ owner: 'alice', id: file.id })).toEqual(file)
      expect(await t.ph.files.downloadBytes({ owner: 'bob', id: file.id })).toEqual(
        bytes('the quarterly numbers'),
      )
      await expectError(t.ph.files.delete({ owner: 'alice', id: file.id }), 'not_found')
      await expectError(t.ph.files.delete({ owner: 'bob', id: file.id }), 'not_found')
      expect(await t.ph.admin.getFile(file.id)).toEqual(file)
    })

    it('files.attachment downloads through a message the caller took part in', async () => {
      const { file, message } = await shared()
      const { file: meta, stream } = await t.ph.files.attachment({
        owner: 'bob',
        messageId: message.id,
        fileId: file.id,
      })
      expect(meta).toEqual(file)
      const reader = stream.getReader()
      expect((await reader.read()).value).toBeInstanceOf(Uint8Array)
      await reader.cancel()
      await expectError(
        t.ph.files.attachment({ owner: 'carol', messageId: message.id, fileId: file.id }),
        'not_found',
      )
      const other = await uploadText(t.ph, 'alice', 'other')
      await expectError(
        t.ph.files.attachment({ owner: 'bob', messageId: message.id, fileId: other.id }),
        'not_found',
        { field: 'fileId' },
      )
    })

    it('messages.get and getItem show the attachments’ metadata in files', async () => {
      const { file, message } = await shared()
      expect(message.attachments).toEqual([file.id])
      const got = await t.ph.messages.get({ owner: 'bob', id: message.id })
      expect(got?.files).toEqual([file])
      const item = await t.ph.messages.getItem({ owner: 'bob', id: message.id })
      expect(item?.message.files).toEqual([file])
      expect(item?.message.attachments).toEqual([file.id])
      const plain = await t.ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
      expect(await t.ph.messages.get({ owner: 'bob', id: plain.id })).not.toHaveProperty('files')
    })
  })
}
