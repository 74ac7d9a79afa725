import { describe, expect, it } from 'vitest'
import type { ConsentCheck, ConsentMode } from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { expectError } from './helpers.js'

const modes: ConsentMode[] = ['open', 'opt-in', 'requests']
/** What the owner did about the sender, in order. */
const histories = [[], ['grant'], ['revoke'], ['grant', 'revoke'], ['revoke', 'grant']] as const
type History = (typeof histories)[number]

/** The rule, written out per case: what a message from the sender should meet. */
function expected(mode: ConsentMode, history: History, system: boolean): ConsentCheck {
  const last = history.at(-1)
  if (last === 'revoke') return { allowed: false, reason: 'revoked' }
  if (last === 'grant' || system || mode === 'open') return { allowed: true, box: 'inbox' }
  if (mode === 'requests') return { allowed: true, box: 'requests' }
  return { allowed: false, reason: 'not_granted' }
}

export function describeConsentModes(options: ConformanceOptions): void {
  describe('consent: every mode × grant × revoke × system sender', () => {
    const t = useEngine(options)

    it('check, send, sendMany, a thread post and broadcast agree with the rule in every combination', async () => {
      // One owner per (mode, history); alice sends, the system sends and broadcasts.
      await t.ph.accounts.register({ address: 'alice', consent: 'open' })
      const cases: { owner: string; mode: ConsentMode; history: History }[] = []
      for (const mode of modes) {
        for (const [h, history] of histories.entries()) {
          const owner = `${mode.replace('-', '')}-${h}`
          await t.ph.accounts.register({ address: owner, consent: mode })
          for (const step of history) {
            await t.ph.consent[step]({ owner, sender: 'alice' })
            await t.ph.consent[step]({ owner, sender: 'system' })
          }
          cases.push({ owner, mode, history })
        }
      }
      expect(cases).toHaveLength(15)
      const broadcast = await t.ph.messages.broadcast({ content: { text: 'to all' } })
      const reached = new Set((await t.ph.admin.receipts(broadcast.id)).map((r) => r.recipient))
      for (const { owner, mode, history } of cases) {
        const label = `${owner} (${mode}, ${history.join('+') || 'nothing'})`
        for (const system of [false, true]) {
          const rule = expected(mode, history, system)
          const sender = system ? 'system' : 'alice'
          expect(
            await t.ph.consent.check({ sender, recipient: owner }),
            `${label} ${sender}`,
          ).toEqual(rule)
          const from = system ? null : 'alice'
          const send = () =>
            t.ph.messages.send({ from, to: [owner], content: { text: `${sender} to ${owner}` } })
          if (!rule.allowed) {
            const error = await expectError(send, 'consent_required', { field: 'to' })
            expect(error.details.refused, label).toEqual([
              { recipient: owner, reason: rule.reason },
            ])
            expect(error.details.sender).toBe(sender)
            const many = await t.ph.messages.sendMany([
              { identifier: 'x', from, to: [owner], content: {} },
            ])
            expect(many.items[0]).toMatchObject({
              status: 'failed',
              error: { code: 'consent_required' },
            })
            continue
          }
          const message = await send()
          expect(message.skipped, label).toBeUndefined()
          const item = await t.ph.messages.getItem({ owner, id: message.id, role: 'received' })
          expect(item?.entry.box, `${label} ${sender}`).toBe(rule.box)
        }
        // The broadcast reached exactly the accounts that had not revoked `system`.
        expect(reached.has(owner), `${label}: broadcast`).toBe(history.at(-1) !== 'revoke')
      }
      // A thread post runs the same check: the opt-in owner that never granted is refused.
      const thread = await t.ph.threads.create({
        subject: 'plans',
        participants: ['alice', 'optin-0', 'optin-1'],
        createdBy: 'alice',
      })
      const post = () => t.ph.messages.send({ from: 'alice', threadId: thread.id, content: {} })
      const error = await expectError(post, 'consent_required')
      expect(error.details.refused).toEqual([{ recipient: 'optin-0', reason: 'not_granted' }])
      const posted = await t.ph.messages.send({
        from: 'alice',
        threadId: thread.id,
        content: {},
        onConsentMissing: 'skip',
      })
      expect(posted.to).toEqual(['optin-1'])
      expect(posted.skipped).toEqual([{ recipient: 'optin-0', reason: 'not_granted' }])
    })

    it('a message to oneself is always allowed, whatever the mode and a revoke', async () => {
      await t.ph.accounts.register({ address: 'alice', consent: 'opt-in' })
      await t.ph.accounts.register({ address: 'bob', consent: 'requests' })
      expect(await t.ph.consent.check({ sender: 'alice', recipient: 'alice' })).toEqual({
        allowed: true,
        box: 'inbox',
      })
      for (const owner of ['alice', 'bob']) {
        const m = await t.ph.messages.send({ from: owner, to: [owner], content: {} })
        const item = await t.ph.messages.getItem({ owner, id: m.id, role: 'received' })
        expect(item?.entry.box).toBe('inbox')
      }
      // To oneself and to someone who did not consent: only the other is refused.
      const error = await expectError(
        t.ph.messages.send({ from: 'bob', to: ['bob', 'alice'], content: {} }),
        'consent_required',
      )
      expect(error.details.refused).toEqual([{ recipient: 'alice', reason: 'not_granted' }])
    })

    it('a mode change applies to the next send; the states stay', async () => {
      await t.ph.accounts.register({ address: 'alice' })
      await t.ph.accounts.register({ address: 'bob', consent: 'opt-in' })
      await t.ph.accounts.register({ address: 'carol' })
      await t.ph.consent.grant({ owner: 'bob', sender: 'alice' })
      await expectError(
        t.ph.messages.send({ from: 'carol', to: ['bob'], content: {} }),
        'consent_required',
      )
      await t.ph.accounts.update({ address: 'bob', consent: 'requests' })
      const fromCarol = await t.ph.messages.send({ from: 'carol', to: ['bob'], content: {} })
      const fromAlice = await t.ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
      expect((await t.ph.messages.getItem({ owner: 'bob', id: fromCarol.id }))?.entry.box).toBe(
        'requests',
      )
      expect((await t.ph.messages.getItem({ owner: 'bob', id: fromAlice.id }))?.entry.box).toBe(
        'inbox',
      )
      await t.ph.accounts.update({ address: 'bob', consent: 'open' })
      await t.ph.messages.send({ from: 'carol', to: ['bob'], content: {} })
      expect(await t.ph.boxes.counts('bob')).toEqual({
        inbox: { total: 2, unread: 2 },
        sent: { total: 0, unread: 0 },
        requests: { total: 1, unread: 1 },
      })
    })
  })
}
