import { describe, expect, it } from 'vitest'
import type {
  LocalRequest,
  RequestDecider,
  RequestItemContext,
  RequestItemProcessor,
} from '../../requests/types.js'
import { useEngine } from '../behaviour/harness.js'
import { eventsOf, expectError, register } from '../behaviour/helpers.js'
import type { ConformanceOptions } from '../options.js'
import {
  type Decisions,
  draft,
  expectNoRequestChange,
  item,
  openRequest,
  sides,
  statusChanges,
  steps,
} from './fixtures.js'

/** Accepts requests from `peer` that ask only for authentication. */
function trust(peer: string): RequestDecider {
  return {
    name: 'trust-service',
    decide(request: LocalRequest) {
      const authOnly = request.content.items.every(
        (i) => i['@type'] === 'AuthenticationRequestItem',
      )
      if (request.peer !== peer || !authOnly) return undefined
      return { accept: true, items: request.content.items.map(() => ({ accept: true as const })) }
    },
  }
}

export function describeDecidersProcessors(options: ConformanceOptions): void {
  describe('requests: deciders', () => {
    const t = useEngine(options)

    it('a decider accepts an authentication request from its peer at once: both sides Completed', async () => {
      const { ph } = await t.open({ requests: { deciders: [trust('alice')] } })
      await register(ph, 'alice', 'bob', 'carol')
      const made = await draft(ph, [item.auth(), item.auth(false)])
      const events = await eventsOf(ph, () =>
        ph.messages.send({ from: 'alice', to: ['bob'], content: made.content as never }),
      )
      const { outgoing, incoming } = await sides(ph, made.id)
      expect(incoming?.status).toBe('Completed')
      expect(steps(incoming!)).toEqual([
        'null→Open',
        'Open→DecisionRequired',
        'DecisionRequired→Decided',
        'Decided→Completed',
      ])
      expect(incoming!.history.filter((h) => h.by !== undefined)).toEqual([
        { from: 'DecisionRequired', to: 'Decided', at: expect.any(Number), by: 'trust-service' },
      ])
      expect(incoming!.response?.content).toEqual({
        '@type': 'Response',
        requestId: made.id,
        result: 'Accepted',
        items: [
          { '@type': 'AcceptResponseItem', result: 'Accepted' },
          { '@type': 'AcceptResponseItem', result: 'Accepted' },
        ],
      })
      expect(outgoing?.status).toBe('Completed')
      expect(outgoing?.response).toEqual(incoming!.response)
      expect(statusChanges(events)).toEqual([
        'alice outgoing Draft→Open',
        'bob incoming null→Open',
        'bob incoming Open→DecisionRequired',
        'bob incoming DecisionRequired→Decided',
        'bob incoming Decided→Completed',
        'alice outgoing Open→Completed',
      ])
      const inbox = await ph.messages.list({ owner: 'alice', box: 'inbox' })
      expect(inbox.items.map((i) => i.message.id)).toEqual([incoming!.response!.messageId])

      // From another peer, or asking for more than authentication: left to the owner.
      const fromCarol = await openRequest(ph, [item.auth()], { owner: 'carol' })
      expect(fromCarol.incoming.status).toBe('ManualDecisionRequired')
      expect(fromCarol.incoming.history.every((h) => h.by === undefined)).toBe(true)
      const wider = await openRequest(ph, [item.auth(), item.freeText()])
      expect(wider.incoming.status).toBe('ManualDecisionRequired')
      expect(wider.outgoing.status).toBe('Open')
    })

    it('deciders are asked in order: one that has no decision passes to the next', async () => {
      const asked: string[] = []
      const abstain: RequestDecider = {
        name: 'abstain',
        decide(request) {
          asked.push(`abstain ${request.id} ${request.status}`)
          return undefined
        },
      }
      const refuse: RequestDecider = {
        name: 'refuse-strangers',
        decide(request) {
          asked.push(`refuse ${request.id}`)
          return request.peer === 'carol' ? { accept: false } : undefined
        },
      }
      const { ph } = await t.open({ requests: { deciders: [abstain, refuse] } })
      const { draft: made, incoming } = await openRequest(ph, [item.auth()], { owner: 'carol' })
      expect(asked).toEqual([`abstain ${made.id} DecisionRequired`, `refuse ${made.id}`])
      expect(incoming.status).toBe('Completed')
      expect(incoming.response?.content).toEqual({
        '@type': 'Response',
        requestId: made.id,
        result: 'Rejected',
        items: [{ '@type': 'RejectResponseItem', result: 'Rejected' }],
      })
      expect(incoming.history.find((h) => h.to === 'Decided')?.by).toBe('refuse-strangers')
      expect((await ph.requests.get({ owner: 'carol', id: made.id }))?.status).toBe('Completed')
    })

    it('a decision that fails validation leaves the request ManualDecisionRequired', async () => {
      const sloppy: RequestDecider = {
        name: 'sloppy',
        // One decision for a request of two items: wrong_item_count.
        decide: () => ({ accept: true, items: [{ accept: true }] }),
      }
      const rejectsAMust: RequestDecider = {
        name: 'rejects-a-must',
        decide: () => ({
          accept: true,
          items: [{ accept: false }, { accept: true, freeText: 'x' }],
        }),
      }
      for (const decider of [sloppy, rejectsAMust]) {
        const { ph } = await t.open({ requests: { deciders: [decider] } })
        const {
          outgoing,
          incoming,
          draft: made,
        } = await openRequest(ph, [item.auth(), item.freeText()])
        expect(incoming.status, decider.name).toBe('ManualDecisionRequired')
        expect(steps(incoming)).toEqual([
          'null→Open',
          'Open→DecisionRequired',
          'DecisionRequired→ManualDecisionRequired',
        ])
        expect(incoming.response).toBeNull()
        expect(outgoing.status).toBe('Open')
        expect((await ph.boxes.counts('alice')).inbox?.total).toBe(0)
        // The owner can still decide it.
        const done = await ph.requests.accept({
          owner: 'bob',
          id: made.id,
          items: [{ accept: true }, { accept: false }],
        })
        expect(done.status).toBe('Completed')
      }
    })
  })

  describe('requests: host item processors', () => {
    const calls: { what: string; context: RequestItemContext }[] = []
    const shareAddress: RequestItemProcessor = {
      type: 'ShareAddressRequestItem',
      validate(item, context) {
        calls.push({ what: 'validate', context })
        return typeof item.purpose === 'string'
          ? undefined
          : { code: 'invalid_item', message: 'purpose: expected why the address is asked for' }
      },
      canAccept(_item, params, context) {
        calls.push({ what: 'canAccept', context })
        return typeof params.address === 'string' && params.address.includes('@')
          ? undefined
          : { code: 'invalid_parameters', message: 'address: expected an email address' }
      },
      accept(item, params, context) {
        calls.push({ what: 'accept', context })
        return {
          '@type': 'ShareAddressAcceptResponseItem',
          result: 'Accepted',
          address: params.address ?? null,
          purpose: item.purpose ?? null,
        }
      },
    }
    const exploding: RequestItemProcessor = {
      type: 'ExplodingRequestItem',
      accept() {
        throw new Error('the host failed to record it')
      },
    }
    const t = useEngine(options, { requests: { processors: [shareAddress, exploding] } })
    const share = (purpose?: string) => ({
      '@type': 'ShareAddressRequestItem',
      mustBeAccepted: true,
      ...(purpose !== undefined && { purpose }),
    })

    it('validate refuses an item on create with its own code', async () => {
      await register(t.ph, 'alice', 'bob')
      calls.length = 0
      const input = {
        owner: 'alice',
        peer: 'bob',
        content: { items: [item.auth(), share()] },
      }
      const result = await t.ph.requests.canCreate(input)
      expect(result).toEqual({
        isSuccess: false,
        code: 'item_invalid',
        message: expect.any(String),
        items: [
          { isSuccess: true, items: [] },
          {
            isSuccess: false,
            code: 'invalid_item',
            message: expect.stringMatching(/purpose/),
            items: [],
          },
        ],
      })
      expect(calls.map((c) => [c.what, c.context.owner, c.context.peer])).toEqual([
        ['validate', 'alice', 'bob'],
      ])
      await expectNoRequestChange(t, ['alice', 'bob'], async () => {
        const error = await expectError(() => t.ph.requests.create(input), 'invalid_input')
        expect(error.details.validation).toEqual(result)
      })
      const made = await t.ph.requests.create({
        ...input,
        content: { items: [item.auth(), share('to send you the invoice')] },
      })
      expect(made.status).toBe('Draft')
    })

    it('canAccept checks the parameters; accept returns the item that goes into the Response', async () => {
      const { draft: made, incoming } = await openRequest(t.ph, [
        share('to send you the invoice'),
        item.group(item.auth(false), share('for the newsletter')),
      ])
      expect(incoming.status).toBe('ManualDecisionRequired')
      calls.length = 0
      const badItems: Decisions = [
        { accept: true as const, address: 'nope' },
        { items: [{ accept: false as const }, { accept: false as const }] },
      ]
      const badInput = { owner: 'bob', id: made.id, items: badItems }
      const bad = await t.ph.requests.canAccept(badInput)
      expect(bad).toEqual({
        isSuccess: false,
        code: 'item_invalid',
        message: expect.any(String),
        items: [
          {
            isSuccess: false,
            code: 'invalid_parameters',
            message: expect.stringMatching(/address/),
            items: [],
          },
          {
            isSuccess: true,
            items: [
              { isSuccess: true, items: [] },
              { isSuccess: true, items: [] },
            ],
          },
        ],
      })
      expect(
        calls.map((c) => [c.what, c.context.owner, c.context.peer, c.context.requestId]),
      ).toEqual([['canAccept', 'bob', 'alice', made.id]])
      await expectNoRequestChange(t, ['alice', 'bob'], () =>
        expectError(() => t.ph.requests.accept(badInput), 'invalid_input'),
      )
      const at = t.clock.tick(3)
      const done = await t.ph.requests.accept({
        owner: 'bob',
        id: made.id,
        items: [
          { accept: true, address: 'bob@example.com' },
          { items: [{ accept: true }, { accept: true, address: 'bob+news@example.com' }] },
        ],
      })
      expect(
        calls.filter((c) => c.what === 'accept').map((c) => [c.context.owner, c.context.now]),
      ).toEqual([
        ['bob', at],
        ['bob', at],
      ])
      const expected = {
        '@type': 'Response',
        requestId: made.id,
        result: 'Accepted',
        items: [
          {
            '@type': 'ShareAddressAcceptResponseItem',
            result: 'Accepted',
            address: 'bob@example.com',
            purpose: 'to send you the invoice',
          },
          {
            '@type': 'ResponseItemGroup',
            items: [
              { '@type': 'AcceptResponseItem', result: 'Accepted' },
              {
                '@type': 'ShareAddressAcceptResponseItem',
                result: 'Accepted',
                address: 'bob+news@example.com',
                purpose: 'for the newsletter',
              },
            ],
          },
        ],
      }
      expect(done.response?.content).toEqual(expected)
      const alices = await t.ph.requests.get({ owner: 'alice', id: made.id })
      expect(alices?.status).toBe('Completed')
      expect(alices?.response?.content).toEqual(expected)
      const inbox = await t.ph.messages.list({ owner: 'alice', box: 'inbox' })
      expect(inbox.items.map((i) => i.message.content)).toEqual([expected])
    })

    it('an accept processor that throws rolls the accept back: still ManualDecisionRequired, no Response', async () => {
      const { draft: made } = await openRequest(t.ph, [
        item.auth(),
        { '@type': 'ExplodingRequestItem', mustBeAccepted: false },
      ])
      const input = {
        owner: 'bob',
        id: made.id,
        items: [{ accept: true as const }, { accept: true as const }],
      }
      expect((await t.ph.requests.canAccept(input)).isSuccess).toBe(true)
      const drawn = t.ids.issued.length
      await expectNoRequestChange(t, ['alice', 'bob'], async () => {
        await expect(t.ph.requests.accept(input)).rejects.toThrow('the host failed to record it')
      })
      // No Response message under any id the failed accept drew.
      for (const id of t.ids.issued.slice(drawn)) {
        expect(await t.ph.admin.getMessage(id)).toBeNull()
      }
      const both = await sides(t.ph, made.id)
      expect([both.outgoing?.status, both.incoming?.status]).toEqual([
        'Open',
        'ManualDecisionRequired',
      ])
      expect(both.incoming?.response).toBeNull()
      const counts = await t.ph.boxes.counts('bob')
      expect([counts.inbox?.total, counts.sent?.total ?? 0]).toEqual([1, 0])
      // Rejecting it runs no accept: that works.
      const rejected = await t.ph.requests.reject({ owner: 'bob', id: made.id })
      expect(rejected.status).toBe('Completed')
    })
  })
}
