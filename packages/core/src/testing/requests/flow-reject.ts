import { describe, expect, it } from 'vitest'
import type { ResponseItem, ResponseItemGroup } from '../../requests/types.js'
import { useEngine } from '../behaviour/harness.js'
import { eventsOf, summary } from '../behaviour/helpers.js'
import type { ConformanceOptions } from '../options.js'
import { item, openRequest, sides, statusChanges, steps } from './fixtures.js'

export function describeFlowReject(options: ConformanceOptions): void {
  describe('requests: the reject flow', () => {
    const t = useEngine(options)

    it('reject without items: every item a RejectResponseItem, both sides Completed', async () => {
      const items = [item.auth(), item.group(item.consent(), item.freeText())]
      const { draft, message, incoming } = await openRequest(t.ph, items)
      const input = { owner: 'bob', id: draft.id }
      expect(await t.ph.requests.canReject(input)).toEqual({
        isSuccess: true,
        items: [
          { isSuccess: true, items: [] },
          {
            isSuccess: true,
            items: [
              { isSuccess: true, items: [] },
              { isSuccess: true, items: [] },
            ],
          },
        ],
      })
      const at = t.clock.tick(5)
      let rejected: Awaited<ReturnType<typeof t.ph.requests.reject>> | undefined
      const events = await eventsOf(t.ph, async () => {
        rejected = await t.ph.requests.reject(input)
      })
      const bobs = rejected!
      const reject = { '@type': 'RejectResponseItem', result: 'Rejected' }
      expect(bobs.response).toEqual({
        content: {
          '@type': 'Response',
          requestId: draft.id,
          result: 'Rejected',
          items: [reject, { '@type': 'ResponseItemGroup', items: [reject, reject] }],
        },
        messageId: expect.any(String),
        createdAt: at,
      })
      expect(bobs.status).toBe('Completed')
      expect(steps(bobs)).toEqual([
        ...steps(incoming),
        'ManualDecisionRequired→Decided',
        'Decided→Completed',
      ])
      const both = await sides(t.ph, draft.id)
      expect(both.incoming).toEqual(bobs)
      expect(both.outgoing?.status).toBe('Completed')
      expect(both.outgoing?.response).toEqual(bobs.response)
      expect(steps(both.outgoing!)).toEqual(['null→Draft', 'Draft→Open', 'Open→Completed'])
      expect(summary(events)).toEqual([
        'request.statusChanged bob',
        'message.sent bob',
        'message.received alice',
        'request.statusChanged bob',
        'request.statusChanged alice',
      ])
      expect(statusChanges(events)).toEqual([
        'bob incoming ManualDecisionRequired→Decided',
        'bob incoming Decided→Completed',
        'alice outgoing Open→Completed',
      ])
      const response = await t.ph.messages.get({ owner: 'alice', id: bobs.response!.messageId })
      expect(response).toMatchObject({
        from: 'bob',
        to: ['alice'],
        content: bobs.response!.content,
      })
      expect(bobs.sourceMessageId).toBe(message.id)
    })

    it('reject with items: each RejectResponseItem carries its code and message', async () => {
      const items = [item.auth(), item.group(item.consent(), item.freeText()), item.freeText()]
      const { draft } = await openRequest(t.ph, items)
      const decisions = [
        { accept: false as const, code: 'not_me', message: 'I am not who you think' },
        {
          items: [
            { accept: false as const, code: 'terms' },
            { accept: false as const, message: 'no nickname' },
          ],
        },
        { accept: false as const },
      ]
      expect(
        (await t.ph.requests.canReject({ owner: 'bob', id: draft.id, items: decisions })).isSuccess,
      ).toBe(true)
      const bobs = await t.ph.requests.reject({ owner: 'bob', id: draft.id, items: decisions })
      const content = bobs.response!.content
      expect(content).toEqual({
        '@type': 'Response',
        requestId: draft.id,
        result: 'Rejected',
        items: [
          {
            '@type': 'RejectResponseItem',
            result: 'Rejected',
            code: 'not_me',
            message: 'I am not who you think',
          },
          {
            '@type': 'ResponseItemGroup',
            items: [
              { '@type': 'RejectResponseItem', result: 'Rejected', code: 'terms' },
              { '@type': 'RejectResponseItem', result: 'Rejected', message: 'no nickname' },
            ],
          },
          { '@type': 'RejectResponseItem', result: 'Rejected' },
        ],
      })
      // In a rejected request no item is accepted.
      const results = content.items.flatMap((i) =>
        i['@type'] === 'ResponseItemGroup'
          ? (i as ResponseItemGroup).items.map((x) => x.result)
          : [(i as ResponseItem).result],
      )
      expect(results).toEqual(['Rejected', 'Rejected', 'Rejected', 'Rejected'])
      const both = await sides(t.ph, draft.id)
      expect([both.outgoing?.status, both.incoming?.status]).toEqual(['Completed', 'Completed'])
      expect(both.outgoing?.response).toEqual(bobs.response)
      // The Response message sits in bob's sent box and alice's inbox.
      const sent = await t.ph.messages.list({ owner: 'bob', box: 'sent' })
      expect(sent.items.map((i) => i.message.id)).toEqual([bobs.response!.messageId])
      const inbox = await t.ph.messages.list({ owner: 'alice', box: 'inbox' })
      expect(inbox.items.map((i) => i.message.content)).toEqual([content])
    })

    it('a rejected request cannot be rejected or accepted again', async () => {
      const { draft } = await openRequest(t.ph, [item.auth(false)])
      await t.ph.requests.reject({ owner: 'bob', id: draft.id })
      expect(await t.ph.requests.canReject({ owner: 'bob', id: draft.id })).toMatchObject({
        isSuccess: false,
        code: 'invalid_transition',
      })
      expect(
        await t.ph.requests.canAccept({ owner: 'bob', id: draft.id, items: [{ accept: true }] }),
      ).toMatchObject({ isSuccess: false, code: 'invalid_transition' })
      expect((await t.ph.boxes.counts('alice')).inbox?.total).toBe(1)
    })
  })
}
