import { describe, expect, it } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { expectError, register } from './helpers.js'

export function describeAccess(options: ConformanceOptions): void {
  describe('who may read a message: messages.get and receipts check the owner; admin does not', () => {
    const t = useEngine(options)

    async function conversation() {
      await register(t.ph, 'alice', 'bob', 'carol', 'mallory')
      t.clock.tick()
      const m = await t.ph.messages.send({ from: 'alice', to: ['bob', 'carol'], content: { x: 1 } })
      return m
    }

    it('get gives the message to its sender and recipients, null to anyone else as for an unknown id', async () => {
      const m = await conversation()
      for (const owner of ['alice', 'bob', 'carol', 'bob@local']) {
        expect(await t.ph.messages.get({ owner, id: m.id })).toEqual(m)
      }
      for (const owner of ['mallory', 'nobody', 'alice@elsewhere']) {
        expect(await t.ph.messages.get({ owner, id: m.id })).toBeNull()
      }
      expect(await t.ph.messages.get({ owner: 'alice', id: 'msg_missing' })).toBeNull()
    })

    it('get still answers a participant whose entry is deleted, and after a retract', async () => {
      const m = await conversation()
      await t.ph.messages.delete({ owner: 'bob', ids: [m.id] })
      expect(await t.ph.messages.getItem({ owner: 'bob', id: m.id })).toBeNull()
      expect(await t.ph.messages.get({ owner: 'bob', id: m.id })).toEqual(m)
      const at = t.clock.tick()
      await t.ph.messages.retract({ id: m.id, by: 'alice' })
      for (const owner of ['alice', 'carol']) {
        expect(await t.ph.messages.get({ owner, id: m.id })).toMatchObject({
          content: {},
          retractedAt: at,
        })
      }
      expect(await t.ph.messages.get({ owner: 'mallory', id: m.id })).toBeNull()
    })

    it('a broadcast or system message is readable by its recipients only', async () => {
      await register(t.ph, 'alice', 'bob')
      const sys = await t.ph.messages.send({ from: null, to: ['bob'], content: { s: 1 } })
      expect(await t.ph.messages.get({ owner: 'bob', id: sys.id })).toEqual(sys)
      expect(await t.ph.messages.get({ owner: 'alice', id: sys.id })).toBeNull()
      const all = await t.ph.messages.broadcast({ content: { b: 1 } })
      expect(await t.ph.messages.get({ owner: 'alice', id: all.id })).toEqual(all)
      await register(t.ph, 'late')
      expect(await t.ph.messages.get({ owner: 'late', id: all.id })).toBeNull()
    })

    it('receipts are for the sender only: recipients and others get forbidden, an unknown id not_found', async () => {
      const m = await conversation()
      const receipts = await t.ph.messages.receipts({ owner: 'alice@local', id: m.id })
      expect(receipts.map((r) => r.recipient)).toEqual(['bob', 'carol'])
      for (const owner of ['bob', 'mallory', 'nobody']) {
        const e = await expectError(t.ph.messages.receipts({ owner, id: m.id }), 'forbidden', {
          message: new RegExp(`owner: "${owner}" is not the sender of message "${m.id}"`),
          field: 'owner',
        })
        expect(e.message).not.toContain('alice')
      }
      await expectError(
        t.ph.messages.receipts({ owner: 'alice', id: 'msg_missing' }),
        'not_found',
        {
          message: /id: no message "msg_missing"/,
        },
      )
      // A system message has no sender to ask: its receipts are for the host, through admin.
      const sys = await t.ph.messages.send({ from: null, to: ['bob'], content: {} })
      await expectError(t.ph.messages.receipts({ owner: 'bob', id: sys.id }), 'forbidden', {
        field: 'owner',
      })
      expect((await t.ph.admin.receipts(sys.id)).map((r) => r.recipient)).toEqual(['bob'])
    })

    it('admin reads any message and its receipts without an owner', async () => {
      const m = await conversation()
      expect(await t.ph.admin.getMessage(m.id)).toEqual(m)
      expect(await t.ph.admin.getMessage('msg_missing')).toBeNull()
      expect(await t.ph.admin.receipts(m.id)).toEqual(
        await t.ph.messages.receipts({ owner: 'alice', id: m.id }),
      )
      await expectError(t.ph.admin.receipts('msg_missing'), 'not_found', {
        message: /admin.receipts: id: no message "msg_missing"/,
      })
      await expectError(t.ph.admin.getMessage(''), 'invalid_input', { field: 'id' })
      await expectError(t.ph.admin.receipts(5 as never), 'invalid_input', { field: 'id' })
    })

    it('threads.get answers a participant only, null to anyone else as for an unknown id; admin.getThread anyone', async () => {
      await register(t.ph, 'alice', 'bob', 'mallory')
      const thread = await t.ph.threads.create({
        subject: 'Plans',
        participants: ['alice', 'bob'],
        createdBy: 'alice',
      })
      for (const participant of ['alice', 'bob', 'Bob', 'bob@local']) {
        expect(await t.ph.threads.get({ participant, id: thread.id })).toEqual(thread)
      }
      for (const participant of ['mallory', 'nobody', 'bob@elsewhere']) {
        expect(await t.ph.threads.get({ participant, id: thread.id })).toBeNull()
      }
      expect(await t.ph.admin.getThread(thread.id)).toEqual(thread)
      expect(await t.ph.admin.getThread('thr_missing')).toBeNull()
      await expectError(t.ph.admin.getThread(''), 'invalid_input', { field: 'id' })
    })
  })
}
