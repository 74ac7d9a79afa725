import { describe, expect, it } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { uploadText } from './files-helpers.js'
import { useEngine } from './harness.js'
import { eventsOf, expectError, expectNothingChanged, register, summary } from './helpers.js'

export function describeUpdateRetract(options: ConformanceOptions): void {
  describe('messages.update and retract', () => {
    const t = useEngine(options, { limits: { maxContentBytes: 512 } })
    const owners = ['alice', 'bob', 'carol']

    async function setup() {
      await register(t.ph, ...owners)
      return t.ph.messages.send({ from: 'alice', to: ['bob', 'carol'], content: { text: 'v1' } })
    }

    it('the sender edits the shared content: everyone sees it, version +1 per edit', async () => {
      const m = await setup()
      const editedAt = t.clock.tick(50)
      let updated = await t.ph.messages.update({
        id: m.id,
        by: 'alice',
        content: { text: 'v2' },
        expectedVersion: 1,
      })
      expect(updated).toEqual({ ...m, content: { text: 'v2' }, version: 2, updatedAt: editedAt })
      for (const owner of owners) {
        const item = await t.ph.messages.getItem({ owner, id: m.id })
        expect(item?.message).toEqual(updated)
        expect(item?.entry.version).toBe(1)
      }
      const events = await eventsOf(t.ph, async () => {
        updated = await t.ph.messages.update({
          id: m.id,
          by: 'alice@local',
          content: { '@type': 'Note', text: 'v3' },
          expectedVersion: 2,
        })
      })
      expect(events.map((e) => [e.type, e.messageId, e.data.version])).toEqual([
        ['message.updated', m.id, 3],
      ])
      expect(await t.ph.messages.get({ owner: 'bob', id: m.id })).toEqual(updated)
      expect(updated.version).toBe(3)
      const typed = await t.ph.messages.list({ owner: 'bob', type: 'Note' })
      expect(typed.items.map((i) => i.message.id)).toEqual([m.id])
    })

    it('a stale expectedVersion is a version_conflict and changes nothing', async () => {
      const m = await setup()
      await t.ph.messages.update({
        id: m.id,
        by: 'alice',
        content: { text: 'v2' },
        expectedVersion: 1,
      })
      const error = await expectNothingChanged(
        t,
        owners,
        () =>
          t.ph.messages.update({
            id: m.id,
            by: 'alice',
            content: { text: 'x' },
            expectedVersion: 1,
          }),
        'version_conflict',
        { message: /expectedVersion: .* is at version 2, not 1/ },
      )
      expect(error.details).toMatchObject({ id: m.id, expectedVersion: 1, actualVersion: 2 })
      expect((await t.ph.messages.get({ owner: 'alice', id: m.id }))?.content).toEqual({
        text: 'v2',
      })
    })

    it('only the sender may edit or retract: others get forbidden', async () => {
      const m = await setup()
      for (const by of ['bob', null]) {
        await expectNothingChanged(
          t,
          owners,
          () => t.ph.messages.update({ id: m.id, by, content: {}, expectedVersion: 1 }),
          'forbidden',
          { message: /only the sender \(alice\) may change/ },
        )
        await expectNothingChanged(
          t,
          owners,
          () => t.ph.messages.retract({ id: m.id, by }),
          'forbidden',
        )
      }
      // A system message is the system's to edit.
      const notice = await t.ph.messages.send({ from: null, to: ['bob'], content: { v: 1 } })
      await expectError(
        t.ph.messages.update({ id: notice.id, by: 'bob', content: {}, expectedVersion: 1 }),
        'forbidden',
      )
      const edited = await t.ph.messages.update({
        id: notice.id,
        by: null,
        content: { v: 2 },
        expectedVersion: 1,
      })
      expect(edited.version).toBe(2)
    })

    it('validates the edit before writing: expectedVersion required, content size, unknown id', async () => {
      const m = await setup()
      await expectNothingChanged(
        t,
        owners,
        () => t.ph.messages.update({ id: m.id, by: 'alice', content: {} } as never),
        'invalid_input',
        { message: /expectedVersion: expected a number, got nothing/, field: 'expectedVersion' },
      )
      await expectNothingChanged(
        t,
        owners,
        () => t.ph.messages.update({ id: m.id, by: 'alice', content: {}, expectedVersion: 0 }),
        'invalid_input',
        { message: /expectedVersion: expected a number >= 1, got 0/, field: 'expectedVersion' },
      )
      await expectNothingChanged(
        t,
        owners,
        () =>
          t.ph.messages.update({
            id: m.id,
            by: 'alice',
            content: { text: 'y'.repeat(600) },
            expectedVersion: 1,
          }),
        'invalid_input',
        { message: /content: expected at most 512 bytes of JSON, got \d+ bytes/, field: 'content' },
      )
      await expectNothingChanged(
        t,
        owners,
        () =>
          t.ph.messages.update({ id: 'msg_missing', by: 'alice', content: {}, expectedVersion: 1 }),
        'not_found',
        { message: /id: no message "msg_missing"/ },
      )
      await expectError(t.ph.messages.retract({ id: 'msg_missing', by: 'alice' }), 'not_found')
    })

    it('retract deletes for everyone: every entry gone, counts drop, content cleared', async () => {
      await register(t.ph, ...owners)
      const file = await uploadText(t.ph, 'alice', 'oops')
      const m = await t.ph.messages.send({
        from: 'alice',
        to: ['bob', 'carol'],
        content: { text: 'oops' },
        attachments: [file.id],
      })
      const keep = await t.ph.messages.send({ from: 'alice', to: ['bob'], content: { text: 'ok' } })
      await t.ph.messages.markRead({ owner: 'carol', ids: [m.id] })
      await t.ph.messages.move({ owner: 'bob', ids: [m.id], to: 'archive' })
      const at = t.clock.tick(9)
      const events = await eventsOf(t.ph, async () => {
        const retracted = await t.ph.messages.retract({ id: m.id, by: 'alice' })
        expect(retracted).toMatchObject({ content: {}, attachments: [], retractedAt: at })
      })
      expect(summary(events)).toEqual(['message.retracted'])
      expect(events[0]!.messageId).toBe(m.id)
      expect(await t.ph.messages.get({ owner: 'alice', id: m.id })).toMatchObject({
        id: m.id,
        content: {},
        attachments: [],
        retractedAt: at,
      })
      for (const owner of owners) {
        expect(await t.ph.messages.getItem({ owner, id: m.id })).toBeNull()
      }
      expect(await t.ph.boxes.counts('bob')).toEqual({
        inbox: { total: 1, unread: 1 },
        sent: { total: 0, unread: 0 },
        archive: { total: 0, unread: 0 },
      })
      expect((await t.ph.boxes.counts('carol')).inbox).toEqual({ total: 0, unread: 0 })
      expect((await t.ph.boxes.counts('alice')).sent).toEqual({ total: 1, unread: 0 })
      const bobs = await t.ph.messages.list({ owner: 'bob' })
      expect(bobs.items.map((i) => i.message.id)).toEqual([keep.id])

      await expectNothingChanged(
        t,
        owners,
        () => t.ph.messages.retract({ id: m.id, by: 'alice' }),
        'invalid_transition',
        { message: /was retracted/ },
      )
      await expectNothingChanged(
        t,
        owners,
        () => t.ph.messages.update({ id: m.id, by: 'alice', content: {}, expectedVersion: 1 }),
        'invalid_transition',
      )
    })
  })
}
