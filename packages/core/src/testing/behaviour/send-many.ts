import { describe, expect, it } from 'vitest'
import type { SendManyItem } from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import {
  eventsOf,
  expectNothingChanged,
  expectNothingStored,
  register,
  snapshot,
  summary,
} from './helpers.js'

export function describeSendMany(options: ConformanceOptions): void {
  describe('messages.sendMany', () => {
    const t = useEngine(options, { limits: { maxContentBytes: 1024 } })

    it('stores the valid items, reports the invalid ones, and leaves nothing of a failed item', async () => {
      await register(t.ph, 'alice', 'bob', 'carol')
      const inputs = [
        { identifier: 'ok-1', from: 'alice', to: ['bob'], content: { n: 1 } },
        { identifier: 'no-such-recipient', from: 'alice', to: ['bob', 'zed'], content: { n: 2 } },
        { from: 'alice', to: ['bob'], content: { n: 3 } },
        { identifier: 'bad-content', from: 'alice', to: ['bob'], content: { n: Number.NaN } },
        { identifier: 'too-big', from: 'alice', to: ['bob'], content: { t: 'x'.repeat(2000) } },
        { identifier: 'no-such-sender', from: 'ghost', to: ['bob'], content: { n: 6 } },
        { identifier: 'unknown-field', from: 'alice', to: ['bob'], content: {}, colour: 'red' },
        { identifier: 'ok-2', from: 'bob', to: ['alice', 'carol'], content: { n: 8 } },
        { identifier: 'no-thread', from: 'alice', threadId: 'thr_missing', content: { n: 9 } },
      ] as SendManyItem[]
      let result: Awaited<ReturnType<typeof t.ph.messages.sendMany>> | undefined
      const events = await eventsOf(t.ph, async () => {
        result = await t.ph.messages.sendMany(inputs)
      })
      const r = result!
      expect(r.items.map((i) => [i.index, i.identifier, i.status, i.error?.code])).toEqual([
        [0, 'ok-1', 'created', undefined],
        [1, 'no-such-recipient', 'failed', 'recipient_not_found'],
        [2, '2', 'failed', 'invalid_input'],
        [3, 'bad-content', 'failed', 'invalid_input'],
        [4, 'too-big', 'failed', 'invalid_input'],
        [5, 'no-such-sender', 'failed', 'not_found'],
        [6, 'unknown-field', 'failed', 'invalid_input'],
        [7, 'ok-2', 'created', undefined],
        [8, 'no-thread', 'failed', 'not_found'],
      ])
      expect({ created: r.created, duplicates: r.duplicates, failed: r.failed }).toEqual({
        created: 2,
        duplicates: 0,
        failed: 7,
      })
      const [ok1, , missingId, badContent, tooBig, , unknownField, ok2] = r.items
      expect(missingId!.error?.message).toMatch(/identifier: expected a string, got nothing/)
      expect(missingId!.error?.details.field).toBe('identifier')
      expect(badContent!.error?.message).toMatch(/content: expected JSON \(NaN at n is not\)/)
      expect(tooBig!.error?.message).toMatch(/content: expected at most 1024 bytes.*got \d+ bytes/)
      expect(unknownField!.error?.details.field).toBe('colour')
      expect(r.items.filter((i) => i.status === 'failed').every((i) => !i.message)).toBe(true)

      const created = [ok1!.message!, ok2!.message!]
      const createdIds = new Set(created.map((m) => m.id))
      await expectNothingStored(
        t.ph,
        t.ids.issued.filter((id) => !createdIds.has(id)),
      )
      expect(created.map((m) => m.content)).toEqual([{ n: 1 }, { n: 8 }])
      for (const m of created)
        expect(await t.ph.messages.get({ owner: 'alice', id: m.id })).toEqual(m)
      // Only the created items wrote entries, counts and events.
      expect(new Set(events.map((e) => e.messageId))).toEqual(new Set(created.map((m) => m.id)))
      expect(summary(events)).toEqual([
        'message.sent alice',
        'message.received bob',
        'message.sent bob',
        'message.received alice',
        'message.received carol',
      ])
      const state = await snapshot(t.ph, ['alice', 'bob', 'carol'])
      expect(state.counts).toEqual({
        alice: { inbox: { total: 1, unread: 1 }, sent: { total: 1, unread: 0 } },
        bob: { inbox: { total: 1, unread: 1 }, sent: { total: 1, unread: 0 } },
        carol: { inbox: { total: 1, unread: 1 }, sent: { total: 0, unread: 0 } },
      })
      expect(state.entries.bob).toHaveLength(2)
    })

    it('takes up to 1000 items in one call', async () => {
      await register(t.ph, 'alice', 'bob')
      const inputs = Array.from({ length: 1000 }, (_, i) => ({
        identifier: `item-${i}`,
        from: 'alice',
        to: ['bob'],
        content: { i },
      }))
      const result = await t.ph.messages.sendMany(inputs)
      expect(result.created).toBe(1000)
      expect(result.items.map((i) => i.identifier)).toEqual(inputs.map((i) => i.identifier))
      expect(new Set(result.items.map((i) => i.message!.id)).size).toBe(1000)
      expect((await t.ph.boxes.counts('bob')).inbox).toEqual({ total: 1000, unread: 1000 })
      expect((await t.ph.boxes.counts('alice')).sent).toEqual({ total: 1000, unread: 0 })
    })

    it('refuses more than 1000 items, or none, and stores nothing', async () => {
      await register(t.ph, 'alice', 'bob')
      const item = (i: number) => ({ identifier: `i${i}`, from: 'alice', to: ['bob'], content: {} })
      await expectNothingChanged(
        t,
        ['alice', 'bob'],
        () => t.ph.messages.sendMany(Array.from({ length: 1001 }, (_, i) => item(i))),
        'invalid_input',
        { message: /inputs: expected at most 1000 items, got 1001 items/, field: 'inputs' },
      )
      await expectNothingChanged(
        t,
        ['alice', 'bob'],
        () => t.ph.messages.sendMany([]),
        'invalid_input',
        { message: /inputs: expected at least 1 item, got 0 items/, field: 'inputs' },
      )
      await expectNothingChanged(
        t,
        ['alice', 'bob'],
        () => t.ph.messages.sendMany(item(0) as unknown as SendManyItem[]),
        'invalid_input',
        { message: /inputs: expected an array/, field: 'inputs' },
      )
    })

    it('writes nothing at all when every item fails', async () => {
      await register(t.ph, 'alice', 'bob')
      const before = await snapshot(t.ph, ['alice', 'bob'])
      const result = await t.ph.messages.sendMany([
        { identifier: 'a', from: 'alice', to: ['zed'], content: {} },
        { identifier: 'b', from: 'alice', to: [], content: {} },
      ])
      expect(result).toMatchObject({ created: 0, duplicates: 0, failed: 2 })
      expect(result.items[1]!.error?.message).toMatch(/to: expected at least 1 item, got 0 items/)
      expect(await snapshot(t.ph, ['alice', 'bob'])).toEqual(before)
      await expectNothingStored(t.ph, t.ids.issued)
    })
  })
}
