import { describe, expect, it } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { eventsOf, expectNothingChanged, snapshot, summary } from './helpers.js'

export function describeConsentSend(options: ConformanceOptions): void {
  describe('consent: onConsentMissing', () => {
    const t = useEngine(options)
    const everyone = ['alice', 'bob', 'carol', 'dave', 'erin']

    /** alice sends; bob is open, carol opt-in (not granted), dave blocked alice, erin is in mode requests. */
    async function cast() {
      await t.ph.accounts.register({ address: 'alice' })
      await t.ph.accounts.register({ address: 'bob' })
      await t.ph.accounts.register({ address: 'carol', consent: 'opt-in' })
      await t.ph.accounts.register({ address: 'dave' })
      await t.ph.accounts.register({ address: 'erin', consent: 'requests' })
      await t.ph.consent.revoke({ owner: 'dave', sender: 'alice' })
    }

    it("'reject' (the default) stores nothing and names every refused recipient and why in one error", async () => {
      await cast()
      for (const onConsentMissing of [undefined, 'reject'] as const) {
        const error = await expectNothingChanged(
          t,
          everyone,
          () =>
            t.ph.messages.send({
              from: 'alice',
              to: ['bob', 'carol', 'dave', 'erin'],
              content: { text: 'hi' },
              ...(onConsentMissing && { onConsentMissing }),
            }),
          'consent_required',
          {
            field: 'to',
            message:
              /^messages\.send: to: no consent to messages from "alice": "carol" \(not_granted\), "dave" \(revoked\); nothing was sent$/,
          },
        )
        expect(error.details).toEqual({
          field: 'to',
          sender: 'alice',
          refused: [
            { recipient: 'carol', reason: 'not_granted' },
            { recipient: 'dave', reason: 'revoked' },
          ],
        })
      }
    })

    it("'skip' stores the message for the allowed recipients and lists the skipped ones", async () => {
      await cast()
      const at = t.clock.tick(5)
      let sent: Awaited<ReturnType<typeof t.ph.messages.send>> | undefined
      const events = await eventsOf(t.ph, async () => {
        sent = await t.ph.messages.send({
          from: 'alice',
          to: ['bob', 'carol', 'dave', 'erin'],
          content: { text: 'hi' },
          onConsentMissing: 'skip',
        })
      })
      const m = sent!
      expect(m).toMatchObject({ from: 'alice', to: ['bob', 'erin'], createdAt: at })
      expect(m.skipped).toEqual([
        { recipient: 'carol', reason: 'not_granted' },
        { recipient: 'dave', reason: 'revoked' },
      ])
      // The stored message has no `skipped`: it is the result's, not the message's.
      expect(await t.ph.admin.getMessage(m.id)).toEqual({ ...m, skipped: undefined })
      expect(Object.keys((await t.ph.admin.getMessage(m.id))!)).not.toContain('skipped')
      expect(summary(events)).toEqual([
        'message.sent alice',
        'message.received bob',
        'message.received erin',
      ])
      expect(events[2]!.data).toEqual({ role: 'received', from: 'alice', box: 'requests' })
      expect((await t.ph.boxes.counts('erin')).requests).toEqual({ total: 1, unread: 1 })
      expect((await t.ph.boxes.counts('carol')).inbox).toEqual({ total: 0, unread: 0 })
      expect((await t.ph.boxes.counts('dave')).inbox).toEqual({ total: 0, unread: 0 })
      expect((await t.ph.admin.receipts(m.id)).map((r) => r.recipient)).toEqual(['bob', 'erin'])
      // Nothing skipped: no `skipped` field at all.
      const plain = await t.ph.messages.send({
        from: 'alice',
        to: ['bob'],
        content: {},
        onConsentMissing: 'skip',
      })
      expect('skipped' in plain).toBe(false)
      // No one left: refused, with every recipient named, and nothing stored.
      const error = await expectNothingChanged(
        t,
        everyone,
        () =>
          t.ph.messages.send({
            from: 'alice',
            to: ['carol', 'dave'],
            content: {},
            onConsentMissing: 'skip',
          }),
        'consent_required',
        { field: 'to' },
      )
      expect(error.details.refused).toEqual([
        { recipient: 'carol', reason: 'not_granted' },
        { recipient: 'dave', reason: 'revoked' },
      ])
    })

    it('sendMany: each item by its own option; skipped per item; a refused item stores nothing', async () => {
      await cast()
      const before = await snapshot(t.ph, ['carol', 'dave'])
      const result = await t.ph.messages.sendMany([
        { identifier: 'reject', from: 'alice', to: ['bob', 'carol'], content: { n: 1 } },
        {
          identifier: 'skip',
          from: 'alice',
          to: ['bob', 'carol', 'dave'],
          content: { n: 2 },
          onConsentMissing: 'skip',
        },
        {
          identifier: 'none-left',
          from: 'alice',
          to: ['dave'],
          content: { n: 3 },
          onConsentMissing: 'skip',
        },
        { identifier: 'fine', from: 'alice', to: ['bob'], content: { n: 4 } },
        { identifier: 'system', from: null, to: ['carol', 'erin'], content: { n: 5 } },
      ])
      expect(result).toMatchObject({ created: 3, duplicates: 0, failed: 2 })
      const [reject, skip, noneLeft, fine, system] = result.items
      expect(reject).toMatchObject({ status: 'failed', error: { code: 'consent_required' } })
      expect(reject!.error!.details.refused).toEqual([
        { recipient: 'carol', reason: 'not_granted' },
      ])
      expect(reject!.error!.message).toBe(
        'to: no consent to messages from "alice": "carol" (not_granted); nothing was sent',
      )
      expect(skip).toMatchObject({ status: 'created', message: { to: ['bob'] } })
      expect(skip!.skipped).toEqual([
        { recipient: 'carol', reason: 'not_granted' },
        { recipient: 'dave', reason: 'revoked' },
      ])
      expect(noneLeft).toMatchObject({ status: 'failed', error: { code: 'consent_required' } })
      expect(noneLeft!.error!.details.refused).toEqual([{ recipient: 'dave', reason: 'revoked' }])
      expect(fine!.status).toBe('created')
      expect('skipped' in fine!).toBe(false)
      // The system is granted by default, in every mode: into erin's inbox, not requests.
      expect(system).toMatchObject({ status: 'created', message: { to: ['carol', 'erin'] } })
      // dave, who blocked alice, got nothing from the batch.
      const after = await snapshot(t.ph, ['carol', 'dave'])
      expect([after.counts.dave, after.entries.dave]).toEqual([
        before.counts.dave,
        before.entries.dave,
      ])
      expect((await t.ph.boxes.counts('carol')).inbox).toEqual({ total: 1, unread: 1 })
      expect((await t.ph.boxes.counts('erin')).inbox).toEqual({ total: 1, unread: 1 })
      expect((await t.ph.boxes.counts('bob')).inbox).toEqual({ total: 2, unread: 2 })
    })

    it('onConsentMissing is validated like every field', async () => {
      await cast()
      await expectNothingChanged(
        t,
        everyone,
        () =>
          t.ph.messages.send({
            from: 'alice',
            to: ['bob'],
            content: {},
            onConsentMissing: 'drop' as never,
          }),
        'invalid_input',
        {
          field: 'onConsentMissing',
          message: /onConsentMissing: expected one of "reject", "skip"/,
        },
      )
    })

    it('a keyed retry after a grant returns the first message, as stored then', async () => {
      await cast()
      const first = await t.ph.messages.send({
        from: 'alice',
        to: ['bob', 'carol'],
        content: {},
        idempotencyKey: 'k',
        onConsentMissing: 'skip',
      })
      expect(first.to).toEqual(['bob'])
      await t.ph.consent.grant({ owner: 'carol', sender: 'alice' })
      const again = await t.ph.messages.send({
        from: 'alice',
        to: ['bob', 'carol'],
        content: {},
        idempotencyKey: 'k',
        onConsentMissing: 'skip',
      })
      expect(again.id).toBe(first.id)
      expect(again.to).toEqual(['bob'])
      expect((await t.ph.boxes.counts('carol')).inbox).toEqual({ total: 0, unread: 0 })
    })
    it('a dry run shows each recipient as consent would treat it, and stores nothing', async () => {
      await cast()
      const before = await snapshot(t.ph, everyone)
      const send = { from: 'alice', to: ['bob', 'carol', 'dave', 'erin'], content: { text: 'hi' } }
      const rejected = await t.ph.messages.send({ ...send, dryRun: true })
      expect(rejected).toMatchObject({ dryRun: true, ok: false, status: 'failed' })
      expect(rejected.error?.code).toBe('consent_required')
      expect(rejected.recipients.map((r) => [r.recipient, r.outcome])).toEqual([
        ['bob', 'not_sent'],
        ['carol', 'refused'],
        ['dave', 'refused'],
        ['erin', 'not_sent'],
      ])
      const skipping = await t.ph.messages.send({ ...send, onConsentMissing: 'skip', dryRun: true })
      expect(skipping).toMatchObject({ dryRun: true, ok: true, status: 'created' })
      expect(
        skipping.recipients.map((r) => [r.recipient, r.outcome, r.box ?? r.error?.code]),
      ).toEqual([
        ['bob', 'delivered', 'inbox'],
        ['carol', 'refused', 'consent_required'],
        ['dave', 'refused', 'consent_required'],
        ['erin', 'delivered', 'requests'],
      ])
      expect(await snapshot(t.ph, everyone)).toEqual(before)
    })
  })
}
