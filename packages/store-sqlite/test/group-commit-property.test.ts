import { isPigeonholeError, type Message, type SendPolicy } from '@pigeonhole/core'
import fc from 'fast-check'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type CountedEngine, eventsOfMessages, groupCommitFiles } from './group-commit-helpers.js'

/** One send of a round; every round's sends are made at once. */
interface Send {
  from: 'alice' | 'bob' | 'dave'
  /** carol is opt-in (never granted); zed is not registered. */
  to: 'alice' | 'bob' | 'carol' | 'dave' | 'zed'
  /** 'boom' makes the host policy throw. */
  text: 'a' | 'b' | 'boom'
  key?: 'k1' | 'k2'
}

const send: fc.Arbitrary<Send> = fc.record(
  {
    from: fc.constantFrom('alice', 'bob', 'dave'),
    to: fc.constantFrom('alice', 'bob', 'carol', 'dave', 'zed'),
    text: fc.constantFrom('a', 'b', 'a', 'b', 'boom'),
    key: fc.constantFrom('k1', 'k2'),
  },
  { requiredKeys: ['from', 'to', 'text'] },
)
const rounds = fc.array(fc.array(send, { minLength: 1, maxLength: 12 }), {
  minLength: 1,
  maxLength: 3,
})

const boom = new Error('boom')
const throwsOnBoom: SendPolicy = {
  name: 'throws-on-boom',
  judge(batch) {
    if (batch.items.some((item) => item.content.text === 'boom')) throw boom
  },
}

/** What a send should come to, given the sends stored before it (in call order). */
type Expected = { ok: number } | { duplicateOf: number } | { failed: string | Error }

/** The pipeline's order of checks: a stored key first, then recipients, consent, policies. */
function expected(s: Send, stored: Map<string, { i: number; s: Send }>, i: number): Expected {
  const earlier = s.key === undefined ? undefined : stored.get(`${s.from}/${s.key}`)
  if (earlier) {
    const same = earlier.s.to === s.to && earlier.s.text === s.text
    return same ? { duplicateOf: earlier.i } : { failed: 'idempotency_conflict' }
  }
  if (s.to === 'zed') return { failed: 'recipient_not_found' }
  if (s.to === 'carol') return { failed: 'consent_required' }
  if (s.text === 'boom') return { failed: boom }
  if (s.key !== undefined) stored.set(`${s.from}/${s.key}`, { i, s })
  return { ok: i }
}

const files = groupCommitFiles()
let e: CountedEngine
beforeAll(async () => {
  e = await files.open({ durability: 'full' }, { policies: [throwsOnBoom] })
})
afterAll(() => files.cleanup())

let run = 0

test('random concurrent sends, some failing: each as if alone, one commit a round, events in order', async () => {
  await fc.assert(
    fc.asyncProperty(rounds, async (sendRounds) => {
      // Fresh addresses each run: runs share the engine (and its keys, per sender).
      const prefix = `r${run++}-`
      const name = (a: string) => `${prefix}${a}`
      for (const a of ['alice', 'bob', 'dave']) await e.ph.accounts.register({ address: name(a) })
      await e.ph.accounts.register({ address: name('carol'), consent: 'opt-in' })
      const stored = new Map<string, { i: number; s: Send }>()
      const messages: Message[] = []
      const inboxes = new Map<string, string[]>()
      let i = 0
      for (const round of sendRounds) {
        const transactions = e.transactions()
        const eventsBefore = e.events.length
        const settled = await Promise.allSettled(
          round.map((s) =>
            e.ph.messages.send({
              from: name(s.from),
              to: [name(s.to)],
              content: { text: s.text },
              ...(s.key !== undefined && { idempotencyKey: s.key }),
            }),
          ),
        )
        expect(e.transactions() - transactions).toBe(1)
        const created: Message[] = []
        round.forEach((s, j) => {
          const want = expected(s, stored, i + j)
          const got = settled[j]!
          if ('failed' in want) {
            expect(got.status).toBe('rejected')
            const reason = (got as PromiseRejectedResult).reason
            if (want.failed instanceof Error) expect(reason).toBe(want.failed)
            else expect(isPigeonholeError(reason, want.failed as never), String(reason)).toBe(true)
            return
          }
          expect(got.status, String((got as PromiseRejectedResult).reason)).toBe('fulfilled')
          const message = (got as PromiseFulfilledResult<Message>).value
          if ('duplicateOf' in want) {
            expect(message.id).toBe(messages[want.duplicateOf]!.id)
            return
          }
          messages[i + j] = message
          created.push(message)
          const inbox = inboxes.get(s.to) ?? []
          inboxes.set(s.to, [...inbox, message.id])
        })
        i += round.length
        // The round's stored sends, in call order, emitted once each with consecutive cursors.
        const emitted = e.events.slice(eventsBefore)
        expect(eventsOfMessages(emitted)).toEqual(
          created.flatMap((m) => [
            `message.sent ${m.from} ${m.id}`,
            `message.received ${m.to[0]} ${m.id}`,
          ]),
        )
        expect(emitted.every((ev, k) => k === 0 || ev.cursor === emitted[k - 1]!.cursor + 1)).toBe(
          true,
        )
      }
      for (const a of ['alice', 'bob', 'carol', 'dave']) {
        const page = await e.ph.messages.list({ owner: name(a), box: 'inbox', limit: 100 })
        expect(page.items.map((item) => item.message.id).sort()).toEqual(
          [...(inboxes.get(a) ?? [])].sort(),
        )
      }
    }),
    { numRuns: Number(process.env.FUZZ_RUNS) || 100 },
  )
  expect(await e.ph.verify()).toEqual([])
}, 600_000)
