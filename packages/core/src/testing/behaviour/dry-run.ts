import { describe, expect, it } from 'vitest'
import type { Pigeonhole, SendPolicy } from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { item as requestItem } from '../requests/fixtures.js'
import { type CountingIds, useEngine } from './harness.js'
import { expectError, register, snapshot } from './helpers.js'

/**
 * Runs a dry run and expects it to have changed nothing: no count, entry, event, id drawn or
 * stored event (a subscriber of events$ sees none either), and verify() clean. Returns its result.
 */
async function nothingHappens<T>(
  e: { ph: Pigeonhole; ids: CountingIds },
  owners: readonly string[],
  call: () => Promise<T>,
): Promise<T> {
  const before = await snapshot(e.ph, owners)
  const drawn = e.ids.issued.length
  const seen: string[] = []
  const subscription = e.ph.events$.subscribe((ev) => seen.push(ev.type))
  let result: T
  try {
    result = await call()
  } finally {
    subscription.unsubscribe()
  }
  expect(await snapshot(e.ph, owners)).toEqual(before)
  expect(e.ids.issued.length).toBe(drawn)
  expect(seen).toEqual([])
  return result
}

/** Refuses recipients that muted the sender; `partial`: leaves them out instead. */
function muteList(muted: Record<string, string[]>, partial = false): SendPolicy {
  return {
    name: 'mute-list',
    partial,
    judge(batch, verdicts) {
      for (const item of batch.items) {
        for (const to of item.to) {
          if (item.from !== null && muted[to]?.includes(item.from)) {
            verdicts.refuse(item, {
              code: 'muted',
              message: `${to} muted ${item.from}`,
              recipient: to,
            })
          }
        }
      }
    },
  }
}

const routeToRequests: SendPolicy = {
  name: 'to-requests',
  judge(batch, verdicts) {
    for (const item of batch.items) {
      for (const to of item.to) if (to === 'carol') verdicts.route(item, to, 'requests')
    }
  },
}

export function describeDryRun(options: ConformanceOptions): void {
  describe('dry run', () => {
    const t = useEngine(options)

    it('a send that would succeed: delivered per recipient, nothing stored or emitted', async () => {
      await register(t.ph, 'alice', 'bob', 'carol')
      const result = await nothingHappens(t, ['alice', 'bob', 'carol'], () =>
        t.ph.messages.send({
          from: 'alice',
          to: ['bob', 'Carol'],
          content: { text: 'hi' },
          idempotencyKey: 'k-1',
          dryRun: true,
        }),
      )
      expect(result).toEqual({
        dryRun: true,
        ok: true,
        status: 'created',
        recipients: [
          { recipient: 'bob', outcome: 'delivered', box: 'inbox' },
          { recipient: 'carol', outcome: 'delivered', box: 'inbox' },
        ],
      })
      // The key was not used up: the real send stores the message.
      const sent = await t.ph.messages.send({
        from: 'alice',
        to: ['bob', 'carol'],
        content: { text: 'hi' },
        idempotencyKey: 'k-1',
      })
      expect(sent.version).toBe(1)
      expect((await t.ph.boxes.counts('bob')).inbox).toEqual({ total: 1, unread: 1 })
    })

    it('dryRun: false is a real send', async () => {
      await register(t.ph, 'alice', 'bob')
      const sent = await t.ph.messages.send({
        from: 'alice',
        to: ['bob'],
        content: {},
        dryRun: false,
      })
      expect(sent.id).toMatch(/^msg_/)
    })

    it('an unregistered recipient: that one refused, the others not sent', async () => {
      await register(t.ph, 'alice', 'bob')
      const result = await nothingHappens(t, ['alice', 'bob'], () =>
        t.ph.messages.send({ from: 'alice', to: ['bob', 'nobody'], content: {}, dryRun: true }),
      )
      const error = {
        code: 'recipient_not_found',
        message: 'messages.send: to: "nobody" is not registered; nothing was sent',
        details: { field: 'to', missing: ['nobody'] },
      }
      expect(result).toEqual({
        dryRun: true,
        ok: false,
        status: 'failed',
        error,
        recipients: [
          { recipient: 'bob', outcome: 'not_sent' },
          { recipient: 'nobody', outcome: 'refused', error },
        ],
      })
      // The same error as the real send throws.
      const real = await expectError(
        t.ph.messages.send({ from: 'alice', to: ['bob', 'nobody'], content: {} }),
        'recipient_not_found',
      )
      expect({ code: real.code, message: real.message, details: real.details }).toEqual(error)
    })

    it('invalid input, content too large, an unknown sender: reported, not thrown', async () => {
      await register(t.ph, 'alice', 'bob')
      const owners = ['alice', 'bob']
      const tooMany = await nothingHappens(t, owners, () =>
        t.ph.messages.send({ from: 'alice', to: [], content: {}, dryRun: true }),
      )
      expect(tooMany).toMatchObject({
        dryRun: true,
        ok: false,
        status: 'failed',
        error: { code: 'invalid_input', message: /^messages\.send: to: expected at least 1 item/ },
        recipients: [],
      })
      const big = await nothingHappens(t, owners, () =>
        t.ph.messages.send({
          from: 'alice',
          to: ['bob'],
          content: { text: 'x'.repeat(300_000) },
          dryRun: true,
        }),
      )
      expect(big.error).toMatchObject({
        code: 'invalid_input',
        details: { field: 'content' },
      })
      const ghost = await nothingHappens(t, owners, () =>
        t.ph.messages.send({ from: 'ghost', to: ['bob'], content: {}, dryRun: true }),
      )
      expect(ghost).toMatchObject({
        ok: false,
        error: { code: 'not_found', message: 'messages.send: from: no account "ghost"' },
        recipients: [{ recipient: 'bob', outcome: 'not_sent' }],
      })
      // A dryRun that is not a boolean is bad input of a real send: thrown.
      await expectError(
        t.ph.messages.send({ from: 'alice', to: ['bob'], content: {}, dryRun: 'yes' as never }),
        'invalid_input',
        { field: 'dryRun' },
      )
    })

    it('thread rules: a closed thread, a recipient who is not a participant', async () => {
      await register(t.ph, 'alice', 'bob', 'carol')
      const owners = ['alice', 'bob', 'carol']
      const open = await t.ph.threads.create({ subject: 'o', participants: ['alice', 'bob'] })
      const post = await nothingHappens(t, owners, () =>
        t.ph.messages.send({ from: 'alice', threadId: open.id, content: {}, dryRun: true }),
      )
      expect(post.recipients).toEqual([{ recipient: 'bob', outcome: 'delivered', box: 'inbox' }])
      const outsider = await nothingHappens(t, owners, () =>
        t.ph.messages.send({
          from: 'alice',
          to: ['bob', 'carol'],
          threadId: open.id,
          content: {},
          dryRun: true,
        }),
      )
      expect(outsider).toMatchObject({
        ok: false,
        error: { code: 'forbidden', details: { field: 'to', addresses: ['carol'] } },
        recipients: [
          { recipient: 'bob', outcome: 'not_sent' },
          { recipient: 'carol', outcome: 'refused', error: { code: 'forbidden' } },
        ],
      })
      await t.ph.threads.close({ id: open.id, by: 'alice' })
      const closed = await nothingHappens(t, owners, () =>
        t.ph.messages.send({ from: 'alice', threadId: open.id, content: {}, dryRun: true }),
      )
      expect(closed).toMatchObject({
        ok: false,
        error: {
          code: 'thread_closed',
          message: /^messages\.send: threadId: thread .* is closed$/,
        },
        recipients: [{ recipient: 'bob', outcome: 'not_sent' }],
      })
    })

    it('host policies: a refusal, a partial refusal and a route, as the real send would do them', async () => {
      const e = await t.open({
        policies: [
          muteList({ carol: ['alice'] }),
          muteList({ dave: ['alice'] }, true),
          routeToRequests,
        ],
      })
      // Two steps of one name: the second is partial (dave's mute leaves dave out).
      await register(e.ph, 'alice', 'bob', 'carol', 'dave')
      const owners = ['alice', 'bob', 'carol', 'dave']
      const refused = await nothingHappens(e, owners, () =>
        e.ph.messages.send({ from: 'alice', to: ['bob', 'carol'], content: {}, dryRun: true }),
      )
      const mutedError = {
        code: 'refused',
        message: 'messages.send: refused by policy "mute-list": carol muted alice',
        details: { field: 'to', recipient: 'carol', policy: 'mute-list', code: 'muted' },
      }
      expect(refused).toEqual({
        dryRun: true,
        ok: false,
        status: 'failed',
        error: mutedError,
        recipients: [
          { recipient: 'bob', outcome: 'not_sent' },
          { recipient: 'carol', outcome: 'refused', error: mutedError },
        ],
      })
      const partial = await nothingHappens(e, owners, () =>
        e.ph.messages.send({ from: 'alice', to: ['bob', 'dave'], content: {}, dryRun: true }),
      )
      expect(partial).toEqual({
        dryRun: true,
        ok: true,
        status: 'created',
        recipients: [
          { recipient: 'bob', outcome: 'delivered', box: 'inbox' },
          {
            recipient: 'dave',
            outcome: 'refused',
            error: {
              code: 'refused',
              message: 'messages.send: refused by policy "mute-list": dave muted alice',
              details: { field: 'to', recipient: 'dave', policy: 'mute-list', code: 'muted' },
            },
          },
        ],
      })
      const routed = await nothingHappens(e, owners, () =>
        e.ph.messages.send({ from: 'bob', to: ['carol', 'dave'], content: {}, dryRun: true }),
      )
      expect(routed.recipients).toEqual([
        { recipient: 'carol', outcome: 'delivered', box: 'requests' },
        { recipient: 'dave', outcome: 'delivered', box: 'inbox' },
      ])
      // The real sends agree.
      const real = await e.ph.messages.send({ from: 'bob', to: ['carol', 'dave'], content: {} })
      expect((await e.ph.messages.getItem({ owner: 'carol', id: real.id }))?.entry.box).toBe(
        'requests',
      )
      const kept = await e.ph.messages.send({ from: 'alice', to: ['bob', 'dave'], content: {} })
      expect(kept.to).toEqual(['bob'])
    })

    it('a policy that throws: the dry run throws it too, and nothing is written', async () => {
      const boom = new Error('policy store unreachable')
      const e = await t.open({
        policies: [
          {
            name: 'flaky',
            judge() {
              throw boom
            },
          },
        ],
      })
      await register(e.ph, 'alice', 'bob')
      const before = await snapshot(e.ph, ['alice', 'bob'])
      await expect(
        e.ph.messages.send({ from: 'alice', to: ['bob'], content: {}, dryRun: true }),
      ).rejects.toBe(boom)
      expect(await snapshot(e.ph, ['alice', 'bob'])).toEqual(before)
    })

    it('the Request protocol: a guard refuses; a valid Request would be sent and its Draft stays a Draft', async () => {
      await register(t.ph, 'alice', 'bob', 'carol')
      const owners = ['alice', 'bob', 'carol']
      const draft = await t.ph.requests.create({
        owner: 'alice',
        peer: 'bob',
        content: { items: [requestItem.freeText()] },
      })
      const content = draft.content as never
      const wrongPeer = await nothingHappens(t, owners, () =>
        t.ph.messages.send({ from: 'alice', to: ['carol'], content, dryRun: true }),
      )
      expect(wrongPeer).toMatchObject({
        ok: false,
        error: { code: 'request_peer_mismatch', details: { peer: 'bob' } },
        recipients: [{ recipient: 'carol', outcome: 'not_sent' }],
      })
      const unknown = await nothingHappens(t, owners, () =>
        t.ph.messages.send({
          from: 'alice',
          to: ['bob'],
          content: { ...draft.content, id: 'req_nope' } as never,
          dryRun: true,
        }),
      )
      expect(unknown.error).toMatchObject({ code: 'not_found', details: { field: 'content.id' } })
      const response = await nothingHappens(t, owners, () =>
        t.ph.messages.send({
          from: 'bob',
          to: ['alice'],
          content: {
            '@type': 'Response',
            requestId: draft.id,
            result: 'Accepted',
            items: [{ '@type': 'AcceptResponseItem', result: 'Accepted' }],
          },
          dryRun: true,
        }),
      )
      expect(response.error).toMatchObject({ code: 'forbidden', details: { field: 'content' } })
      const good = await nothingHappens(t, owners, () =>
        t.ph.messages.send({ from: 'alice', to: ['bob'], content, dryRun: true }),
      )
      expect(good).toEqual({
        dryRun: true,
        ok: true,
        status: 'created',
        recipients: [{ recipient: 'bob', outcome: 'delivered', box: 'inbox' }],
      })
      expect((await t.ph.requests.get({ owner: 'alice', id: draft.id }))?.status).toBe('Draft')
      expect(await t.ph.requests.get({ owner: 'bob', id: draft.id })).toBeNull()
      // The real send then opens it.
      await t.ph.messages.send({ from: 'alice', to: ['bob'], content })
      expect((await t.ph.requests.get({ owner: 'alice', id: draft.id }))?.status).toBe('Open')
    })

    it('idempotency: a used key reports the duplicate (or the conflict) without storing', async () => {
      await register(t.ph, 'alice', 'bob')
      const sent = await t.ph.messages.send({
        from: 'alice',
        to: ['bob'],
        content: { n: 1 },
        idempotencyKey: 'k',
      })
      const dup = await nothingHappens(t, ['alice', 'bob'], () =>
        t.ph.messages.send({
          from: 'alice',
          to: ['bob'],
          content: { n: 1 },
          idempotencyKey: 'k',
          dryRun: true,
        }),
      )
      expect(dup).toEqual({
        dryRun: true,
        ok: true,
        status: 'duplicate',
        message: sent,
        recipients: [],
      })
      const conflict = await nothingHappens(t, ['alice', 'bob'], () =>
        t.ph.messages.send({
          from: 'alice',
          to: ['bob'],
          content: { n: 2 },
          idempotencyKey: 'k',
          dryRun: true,
        }),
      )
      expect(conflict).toMatchObject({
        ok: false,
        error: {
          code: 'idempotency_conflict',
          details: { field: 'idempotencyKey', messageId: sent.id },
        },
      })
    })

    it('the rate limit is peeked, never taken; it reports what the real send would', async () => {
      const e = await t.open({ limits: { sendsPerSecond: 2, burst: 2 } })
      await register(e.ph, 'alice', 'bob')
      const dry = () =>
        e.ph.messages.send({ from: 'alice', to: ['bob'], content: {}, dryRun: true })
      for (let i = 0; i < 5; i++) expect((await dry()).ok).toBe(true)
      await e.ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
      expect((await dry()).ok).toBe(true)
      await e.ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
      const limited = await nothingHappens(e, ['alice', 'bob'], dry)
      expect(limited).toEqual({
        dryRun: true,
        ok: false,
        status: 'failed',
        error: {
          code: 'rate_limited',
          message:
            'messages.send: from: "alice" may send 2 per second, 2 at once; retry after 500 ms',
          details: { field: 'from', retryAfterMs: 500, sendsPerSecond: 2, burst: 2 },
        },
        recipients: [{ recipient: 'bob', outcome: 'not_sent' }],
      })
      e.clock.tick(200)
      expect((await dry()).error?.details.retryAfterMs).toBe(300)
      e.clock.tick(300)
      expect((await dry()).ok).toBe(true)
      await e.ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
    })

    it('sendMany with { dryRun: true }: every item judged, the batch counted, nothing stored', async () => {
      const e = await t.open({
        limits: { sendsPerSecond: 1, burst: 2 },
        policies: [muteList({ carol: ['bob'] })],
      })
      await register(e.ph, 'alice', 'bob', 'carol')
      const stored = await e.ph.messages.send({
        from: 'carol',
        to: ['alice'],
        content: {},
        idempotencyKey: 'c-1',
      })
      const items = [
        { identifier: 'a1', from: 'alice', to: ['bob'], content: {} },
        { identifier: 'a2', from: 'alice', to: ['bob', 'carol'], content: {}, idempotencyKey: 'x' },
        { identifier: 'a3', from: 'alice', to: ['carol'], content: {} },
        { identifier: 'b1', from: 'bob', to: ['carol'], content: {} },
        { identifier: 'bad', from: 'alice', to: 'bob' as never, content: {} },
        { identifier: 'c1', from: 'carol', to: ['alice'], content: {}, idempotencyKey: 'c-1' },
        {
          identifier: 'a2-again',
          from: 'alice',
          to: ['carol', 'bob'],
          content: {},
          idempotencyKey: 'x',
        },
      ]
      const owners = ['alice', 'bob', 'carol']
      const result = await nothingHappens(e, owners, () =>
        e.ph.messages.sendMany(items, { dryRun: true }),
      )
      expect(result.dryRun).toBe(true)
      expect(
        result.items.map((i) => [i.identifier, i.index, i.ok, i.status, i.error?.code]),
      ).toEqual([
        ['a1', 0, true, 'created', undefined],
        ['a2', 1, true, 'created', undefined],
        ['a3', 2, false, 'failed', 'rate_limited'],
        ['b1', 3, false, 'failed', 'refused'],
        ['bad', 4, false, 'failed', 'invalid_input'],
        ['c1', 5, true, 'duplicate', undefined],
        ['a2-again', 6, true, 'duplicate', undefined],
      ])
      expect(result).toMatchObject({ created: 2, duplicates: 2, failed: 3 })
      expect(result.items[2]!.error).toEqual({
        code: 'rate_limited',
        message: 'from: "alice" may send 1 per second, 2 at once; retry after 1000 ms',
        details: { field: 'from', retryAfterMs: 1000, sendsPerSecond: 1, burst: 2 },
      })
      expect(result.items[3]!.recipients).toEqual([
        { recipient: 'carol', outcome: 'refused', error: result.items[3]!.error },
      ])
      expect(result.items[4]!.error?.message).toMatch(
        /^messages\.sendMany: \[4\]: to: expected an array, got "bob"$/,
      )
      expect(result.items[5]!.message).toEqual(stored)
      // The real call does what the dry run said.
      const real = await e.ph.messages.sendMany(items)
      expect(real.items.map((i) => [i.identifier, i.status, i.error?.code])).toEqual(
        result.items.map((i) => [i.identifier, i.status, i.error?.code]),
      )
    })

    it('sendMany options are checked; dryRun is an option of the batch, not of an item', async () => {
      await register(t.ph, 'alice', 'bob')
      await expectError(
        t.ph.messages.sendMany([{ identifier: 'a', from: 'alice', to: ['bob'], content: {} }], {
          dryRun: 1,
        } as never),
        'invalid_input',
        {
          field: 'options.dryRun',
          message: /^messages\.sendMany: options\.dryRun: expected a boolean, got 1$/,
        },
      )
      await expectError(
        t.ph.messages.sendMany([{ identifier: 'a', from: 'alice', to: ['bob'], content: {} }], {
          dry: true,
        } as never),
        'invalid_input',
        { field: 'options.dry' },
      )
      const result = await t.ph.messages.sendMany([
        { identifier: 'a', from: 'alice', to: ['bob'], content: {}, dryRun: true } as never,
      ])
      expect(result.items[0]).toMatchObject({
        status: 'failed',
        error: {
          code: 'invalid_input',
          message: expect.stringMatching(
            /^messages\.sendMany: \[0\]: dryRun: expected only known fields/,
          ),
          details: { field: 'dryRun' },
        },
      })
      expect((await t.ph.boxes.counts('bob')).inbox).toEqual({ total: 0, unread: 0 })
    })
  })
}
