import { describe, expect, it } from 'vitest'
import type { ListInput } from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { expectError, register } from './helpers.js'

const foreign = /cursor: expected a cursor of this listing, got one that belongs to another listing/
const malformed = /cursor: expected a cursor returned by an earlier list call, got .+/

export function describeCursorBinding(options: ConformanceOptions): void {
  describe('cursors belong to the listing that made them', () => {
    const t = useEngine(options)

    it('messages.list refuses a cursor made for another owner, box or filter', async () => {
      await register(t.ph, 'alice', 'bob', 'carol')
      const thread = await t.ph.threads.create({ subject: 's', participants: ['alice', 'bob'] })
      for (let i = 0; i < 3; i++) {
        t.clock.tick()
        await t.ph.messages.send({ from: 'alice', to: ['bob'], content: { '@type': 'T', i } })
        await t.ph.messages.send({
          from: 'bob',
          to: ['alice'],
          content: { i },
          threadId: thread.id,
        })
      }
      const listing: ListInput = { owner: 'bob', box: 'inbox', limit: 1 }
      const { nextCursor } = await t.ph.messages.list(listing)
      const cursor = nextCursor!
      // The same listing takes it, also with another page size or the owner's @peer form.
      expect((await t.ph.messages.list({ ...listing, cursor })).items).toHaveLength(1)
      expect((await t.ph.messages.list({ ...listing, limit: 5, cursor })).items).toHaveLength(2)
      const same = await t.ph.messages.list({ ...listing, owner: 'bob@local', cursor })
      expect(same.items).toHaveLength(1)
      const others: ListInput[] = [
        { owner: 'alice', box: 'inbox' },
        { owner: 'bob', box: 'sent' },
        { owner: 'bob' },
        { owner: 'bob', box: 'inbox', unread: true },
        { owner: 'bob', box: 'inbox', unread: false },
        { owner: 'bob', box: 'inbox', threadId: thread.id },
        { owner: 'bob', box: 'inbox', from: 'alice' },
        { owner: 'bob', box: 'inbox', type: 'T' },
        { owner: 'bob', box: 'inbox', createdAfter: 0 },
        { owner: 'bob', box: 'inbox', createdBefore: 9e12 },
      ]
      for (const other of others) {
        await expectError(t.ph.messages.list({ ...other, cursor }), 'invalid_input', {
          message: foreign,
          field: 'cursor',
        })
      }
      await expectError(
        t.ph.messages.list({ ...listing, order: 'oldest', cursor }),
        'invalid_input',
        { field: 'order' },
      )
      // The previous-page cursor is bound the same way.
      const second = await t.ph.messages.list({ ...listing, cursor })
      await expectError(
        t.ph.messages.list({ owner: 'alice', box: 'inbox', cursor: second.prevCursor! }),
        'invalid_input',
        { message: foreign, field: 'cursor' },
      )
    })

    it('threads.list: a foreign or malformed cursor is invalid_input, an unknown participant not_found', async () => {
      await register(t.ph, 'alice', 'bob')
      for (let i = 0; i < 3; i++) {
        t.clock.tick()
        await t.ph.threads.create({ subject: `t${i}`, participants: ['alice', 'bob'] })
      }
      const first = await t.ph.threads.list({ participant: 'alice', limit: 1 })
      const cursor = first.nextCursor!
      const next = await t.ph.threads.list({ participant: 'alice', limit: 1, cursor })
      expect(next.items.map((x) => x.subject)).toEqual(['t1'])
      for (const other of [{ participant: 'bob' }, { participant: 'alice', closed: false }]) {
        await expectError(t.ph.threads.list({ ...other, cursor }), 'invalid_input', {
          message: foreign,
          field: 'cursor',
        })
      }
      for (const garbage of ['garbage', 'thr_00000002', 'W10']) {
        await expectError(
          t.ph.threads.list({ participant: 'alice', cursor: garbage }),
          'invalid_input',
          { message: malformed, field: 'cursor' },
        )
      }
      await expectError(t.ph.threads.list({ participant: 'nobody' }), 'not_found', {
        message: /^threads\.list: participant: no account "nobody"/,
        field: 'participant',
      })
    })

    it('accounts.list refuses a malformed cursor and one of another listing', async () => {
      await register(t.ph, 'alice', 'bob', 'carol')
      const first = await t.ph.accounts.list({ limit: 1 })
      const second = await t.ph.accounts.list({ limit: 1, cursor: first.nextCursor! })
      expect(second.items.map((a) => a.address)).toEqual(['bob'])
      await expectError(t.ph.accounts.list({ cursor: 'zzz' }), 'invalid_input', {
        message: malformed,
        field: 'cursor',
      })
      await t.ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
      await t.ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
      const messages = await t.ph.messages.list({ owner: 'bob', limit: 1 })
      await expectError(t.ph.accounts.list({ cursor: messages.nextCursor! }), 'invalid_input', {
        message: foreign,
        field: 'cursor',
      })
      await expectError(
        t.ph.threads.list({ participant: 'bob', cursor: first.nextCursor! }),
        'invalid_input',
        { message: foreign, field: 'cursor' },
      )
      await expectError(
        t.ph.messages.list({ owner: 'bob', cursor: first.nextCursor! }),
        'invalid_input',
        { message: foreign, field: 'cursor' },
      )
    })
  })
}
