import { describe, expect, it, vi } from 'vitest'
import { PigeonholeError } from '../../index.js'
import { useEngine } from '../behaviour/harness.js'
import { eventsAfter, eventsOf, register, summary } from '../behaviour/helpers.js'
import type { ConformanceOptions } from '../options.js'
import {
  draft,
  expectNoRequestChange,
  item,
  openRequest,
  sides,
  statusChanges,
  steps,
} from './fixtures.js'

/** The code of the PigeonholeError `call` throws ('no error' when it succeeds). */
async function codeOf(call: () => Promise<unknown>): Promise<string> {
  try {
    await call()
    return 'no error'
  } catch (error) {
    expect(error).toBeInstanceOf(PigeonholeError)
    return (error as PigeonholeError).code
  }
}

export function describeExpiry(options: ConformanceOptions): void {
  describe('requests: expiry', () => {
    // No sweep timer here: only reads and expireDue() expire (the last test opens one with a sweep).
    const t = useEngine(options, { requests: { sweepIntervalMs: 0 } })

    it('get past expiresAt stores Expired once and emits the status change', async () => {
      const expiresAt = t.clock.now() + 100
      const made = await draft(t.ph, [item.auth()], { expiresAt })
      t.clock.tick(100)
      // At expiresAt exactly it is not yet expired.
      expect(await t.ph.requests.get({ owner: 'alice', id: made.id })).toEqual(made)
      const at = t.clock.tick(1)
      const events = await eventsOf(t.ph, async () => {
        const got = await t.ph.requests.get({ owner: 'alice', id: made.id })
        expect(got).toEqual({
          ...made,
          status: 'Expired',
          updatedAt: at,
          history: [...made.history, { from: 'Draft', to: 'Expired', at }],
          version: made.version + 1,
        })
      })
      expect(summary(events)).toEqual(['request.statusChanged alice'])
      expect(events[0]!.data).toEqual({
        requestId: made.id,
        direction: 'outgoing',
        oldStatus: 'Draft',
        newStatus: 'Expired',
      })
      // Read again later: stored, no new event, no new history entry.
      t.clock.tick(50)
      const again = await eventsOf(t.ph, async () => {
        const got = await t.ph.requests.get({ owner: 'alice', id: made.id })
        expect(got?.history.at(-1)).toEqual({ from: 'Draft', to: 'Expired', at })
        expect(got?.updatedAt).toBe(at)
      })
      expect(again).toEqual([])
    })

    it('list past expiresAt stores Expired on both sides of a sent request', async () => {
      const expiresAt = t.clock.now() + 100
      const { outgoing, incoming, message } = await openRequest(t.ph, [item.auth()], { expiresAt })
      expect([outgoing.status, incoming.status]).toEqual(['Open', 'ManualDecisionRequired'])
      const at = t.clock.tick(101)
      const events = await eventsOf(t.ph, async () => {
        const alices = await t.ph.requests.list({ owner: 'alice' })
        const bobs = await t.ph.requests.list({ owner: 'bob' })
        expect(alices.items.map((r) => [r.id, r.status])).toEqual([[outgoing.id, 'Expired']])
        expect(bobs.items.map((r) => [r.id, r.status])).toEqual([[incoming.id, 'Expired']])
        expect(bobs.items[0]!.history.at(-1)).toEqual({
          from: 'ManualDecisionRequired',
          to: 'Expired',
          at,
        })
      })
      expect(statusChanges(events)).toEqual([
        'alice outgoing Open→Expired',
        'bob incoming ManualDecisionRequired→Expired',
      ])
      for (const e of events) expect(e.messageId).toBe(message.id)
      // list with a status filter sees the stored status.
      expect(
        (await t.ph.requests.list({ owner: 'bob', status: 'ManualDecisionRequired' })).items,
      ).toEqual([])
      expect((await t.ph.requests.list({ owner: 'bob', status: 'Expired' })).items).toHaveLength(1)
    })

    it('a status filter sees requests that expired since anyone read them', async () => {
      const expiresAt = t.clock.now() + 100
      await openRequest(t.ph, [item.auth()], { expiresAt })
      t.clock.tick(101)
      expect(
        (await t.ph.requests.list({ owner: 'bob', status: 'ManualDecisionRequired' })).items,
      ).toEqual([])
      expect(
        (await t.ph.requests.list({ owner: 'bob', status: 'Expired' })).items.map((r) => r.status),
      ).toEqual(['Expired'])
    })

    it('expireDue expires Drafts, Open outgoing and ManualDecisionRequired incoming; Completed never changes', async () => {
      const expiresAt = t.clock.now() + 100
      const early = await draft(t.ph, [item.auth()], { expiresAt })
      const open = await openRequest(t.ph, [item.auth()], { expiresAt })
      const done = await openRequest(t.ph, [item.auth()], { expiresAt })
      await t.ph.requests.accept({ owner: 'bob', id: done.draft.id, items: [{ accept: true }] })
      const rejected = await openRequest(t.ph, [item.auth()], { expiresAt })
      await t.ph.requests.reject({ owner: 'bob', id: rejected.draft.id })
      const forever = await openRequest(t.ph, [item.auth()])
      const completedBefore = {
        accepted: await sides(t.ph, done.draft.id),
        rejected: await sides(t.ph, rejected.draft.id),
      }
      // Not yet due: nothing to do.
      expect(await t.ph.requests.expireDue()).toBe(0)
      t.clock.tick(10_000)
      let count = 0
      const events = await eventsOf(t.ph, async () => {
        count = await t.ph.requests.expireDue()
      })
      expect(count).toBe(3)
      expect(statusChanges(events).sort()).toEqual(
        [
          'alice outgoing Draft→Expired',
          'alice outgoing Open→Expired',
          'bob incoming ManualDecisionRequired→Expired',
        ].sort(),
      )
      expect(new Set(events.map((e) => e.data.requestId))).toEqual(
        new Set([early.id, open.draft.id]),
      )
      // Done: a second run finds nothing, and reads emit nothing more.
      const after = await eventsOf(t.ph, async () => {
        expect(await t.ph.requests.expireDue()).toBe(0)
        expect((await t.ph.requests.get({ owner: 'alice', id: early.id }))?.status).toBe('Expired')
        const o = await sides(t.ph, open.draft.id)
        expect([o.outgoing?.status, o.incoming?.status]).toEqual(['Expired', 'Expired'])
        expect({
          accepted: await sides(t.ph, done.draft.id),
          rejected: await sides(t.ph, rejected.draft.id),
        }).toEqual(completedBefore)
        const f = await sides(t.ph, forever.draft.id)
        expect([f.outgoing?.status, f.incoming?.status]).toEqual(['Open', 'ManualDecisionRequired'])
      })
      expect(after).toEqual([])
    })

    it('an Expired incoming request can be neither accepted nor rejected', async () => {
      const expiresAt = t.clock.now() + 100
      const { draft: made } = await openRequest(t.ph, [item.auth()], { expiresAt })
      t.clock.tick(101)
      // Past expiresAt, even before anything stored Expired.
      expect(
        await t.ph.requests.canAccept({ owner: 'bob', id: made.id, items: [{ accept: true }] }),
      ).toMatchObject({ isSuccess: false, code: 'request_expired' })
      expect((await t.ph.requests.get({ owner: 'bob', id: made.id }))?.status).toBe('Expired')
      const input = { owner: 'bob', id: made.id, items: [{ accept: true as const }] }
      expect(await t.ph.requests.canAccept(input)).toMatchObject({
        isSuccess: false,
        code: 'request_expired',
      })
      // Both calls fail with request_expired, as canAccept/canReject say, and change nothing.
      const codes = await expectNoRequestChange(t, ['alice', 'bob'], async () => ({
        accept: await codeOf(() => t.ph.requests.accept(input)),
        reject: await codeOf(() => t.ph.requests.reject({ owner: 'bob', id: made.id })),
      }))
      expect(codes).toEqual({ accept: 'request_expired', reject: 'request_expired' })
      expect(await t.ph.requests.canReject({ owner: 'bob', id: made.id })).toMatchObject({
        isSuccess: false,
        code: 'request_expired',
      })
      expect((await t.ph.boxes.counts('alice')).inbox?.total).toBe(0)
    })

    it('accept past expiresAt, before anything stored Expired, throws request_expired and sends nothing', async () => {
      const expiresAt = t.clock.now() + 100
      const { draft: made } = await openRequest(t.ph, [item.auth()], { expiresAt })
      t.clock.tick(101)
      expect(
        await codeOf(() =>
          t.ph.requests.accept({ owner: 'bob', id: made.id, items: [{ accept: true }] }),
        ),
      ).toBe('request_expired')
      // No Response: no message from bob, alice's side not Completed.
      expect((await t.ph.messages.list({ owner: 'bob', box: 'sent' })).items).toEqual([])
      expect((await t.ph.messages.list({ owner: 'alice', box: 'inbox' })).items).toEqual([])
      const both = await sides(t.ph, made.id)
      expect([both.outgoing?.status, both.incoming?.status]).toEqual(['Expired', 'Expired'])
      expect(both.incoming?.response).toBeNull()
      expect(steps(both.incoming!).at(-1)).toBe('ManualDecisionRequired→Expired')
    })

    it('the periodic sweep stores Expired on requests nobody reads', async () => {
      const real = { now: () => Date.now() }
      const { ph } = await t.open({ clock: real, requests: { sweepIntervalMs: 20 } })
      await register(ph, 'alice', 'bob')
      const start = ph.events.lastCursor
      // Margins wide enough for a slow store: each is created and sent well before it expires.
      const sooner = await draft(ph, [item.auth()], { expiresAt: Date.now() + 300 })
      const later = await openRequest(ph, [item.auth()], { expiresAt: Date.now() + 1500 })
      const expired = async () =>
        (await eventsAfter(ph, start)).filter(
          (e) => e.type === 'request.statusChanged' && e.data.newStatus === 'Expired',
        )
      // Three status changes: the Draft, then both sides of the sent request. Watch the events,
      // not get/list (a read would expire them itself).
      await vi.waitFor(async () => expect(await expired()).toHaveLength(3), {
        timeout: 10_000,
        interval: 20,
      })
      const seen = await expired()
      expect(statusChanges(seen.slice(0, 1))).toEqual(['alice outgoing Draft→Expired'])
      expect(statusChanges(seen.slice(1)).sort()).toEqual(
        ['alice outgoing Open→Expired', 'bob incoming ManualDecisionRequired→Expired'].sort(),
      )
      expect(seen.map((e) => e.data.requestId)).toEqual([sooner.id, later.draft.id, later.draft.id])
      const both = await sides(ph, later.draft.id)
      expect([both.outgoing?.status, both.incoming?.status]).toEqual(['Expired', 'Expired'])
      expect((await ph.requests.get({ owner: 'alice', id: sooner.id }))?.status).toBe('Expired')
      expect(await ph.requests.expireDue()).toBe(0)
    })
  })
}
