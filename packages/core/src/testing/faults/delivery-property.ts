import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Pigeonhole } from '../../engine.js'
import type { NetworkFaults } from '../../transport/faults.js'
import { eventsAfter } from '../behaviour/helpers.js'
import type { ConformanceOptions } from '../options.js'
import { type TwoPeers, twoPeers } from '../two-peers.js'

type Peer = 'a' | 'b'
const other = (p: Peer): Peer => (p === 'a' ? 'b' : 'a')
/** Registered senders and recipients per peer; `ghost` is nobody (its receipts fail). */
const local: Record<Peer, string[]> = { a: ['alice', 'carol'], b: ['bob', 'dave'] }
const names = (p: Peer) => [...local[p], 'ghost']

type Step =
  | { kind: 'send'; peer: Peer; from: number; to: number[] }
  | { kind: 'advance'; ms: number }
  | { kind: 'partition' }
  | { kind: 'heal' }
  | { kind: 'crash'; peer: Peer }
  | { kind: 'restart'; peer: Peer }
  | { kind: 'read'; peer: Peer; owner: number }

interface Plan {
  seed: number
  faults: NetworkFaults
  batchSize: number
  steps: Step[]
}

const peer = fc.constantFrom<Peer>('a', 'b')
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('send' as const),
      peer,
      from: fc.nat(1),
      to: fc.uniqueArray(fc.nat(2), { minLength: 1, maxLength: 3 }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.nat(2000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('partition' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('heal' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const), peer }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), peer }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('read' as const), peer, owner: fc.nat(1) }),
  },
)
const plan: fc.Arbitrary<Plan> = fc.record({
  seed: fc.nat(0xffff_ffff),
  faults: fc.record({
    drop: fc.constantFrom(0, 0.1, 0.3, 0.5),
    duplicate: fc.constantFrom(0, 0.2, 0.5),
    delayMs: fc.constantFrom<[number, number]>([0, 0], [0, 5], [1, 50], [10, 300]),
    reorder: fc.constantFrom(0, 0.5, 1),
  }),
  batchSize: fc.integer({ min: 1, max: 5 }),
  steps: fc.array(step, { minLength: 1, maxLength: 25 }),
})

interface Sent {
  id: string
  peer: Peer
  from: string
  /** Remote recipients, as the sender wrote them (`bob@b`). */
  to: string[]
}

/** Runs one plan, then heals, restarts, settles and checks everything the property says. */
async function runPlan(options: ConformanceOptions, p: Plan): Promise<void> {
  const peers = await twoPeers({
    openStore: options.openStore,
    seed: p.seed,
    faults: p.faults,
    engine: { delivery: { batchSize: p.batchSize, baseDelayMs: 10, maxDelayMs: 1000 } },
  })
  const { net } = peers
  try {
    const down = new Set<Peer>()
    const engine = (x: Peer) => (x === 'a' ? peers.a : peers.b)
    for (const x of ['a', 'b'] as const) {
      for (const address of local[x]) await engine(x).accounts.register({ address })
    }
    const sent: Sent[] = []
    for (const s of p.steps) {
      if (s.kind === 'send') {
        if (down.has(s.peer)) continue
        const from = local[s.peer][s.from]!
        const to = s.to.map((i) => `${names(other(s.peer))[i]!}@${other(s.peer)}`)
        const m = await engine(s.peer).messages.send({ from, to, content: { n: sent.length } })
        sent.push({ id: m.id, peer: s.peer, from, to })
      } else if (s.kind === 'advance') {
        await net.advance(s.ms)
      } else if (s.kind === 'partition') {
        net.partition('a', 'b')
      } else if (s.kind === 'heal') {
        net.heal()
      } else if (s.kind === 'crash') {
        if (down.has(s.peer)) continue
        down.add(s.peer)
        await net.crash(s.peer)
      } else if (s.kind === 'restart') {
        if (!down.has(s.peer)) continue
        down.delete(s.peer)
        await net.restart(s.peer)
      } else if (!down.has(s.peer)) {
        await readAll(engine(s.peer), local[s.peer][s.owner]!)
      }
    }
    for (const x of down) await net.restart(x)
    net.heal()
    await net.settle()
    await check(peers, sent)
  } finally {
    await peers.close()
  }
}

async function inbox(ph: Pigeonhole, owner: string) {
  return (await ph.messages.list({ owner, box: 'inbox', order: 'oldest', limit: 1000 })).items
}

async function readAll(ph: Pigeonhole, owner: string): Promise<void> {
  const unread = (await inbox(ph, owner)).filter((i) => i.entry.readAt === null)
  if (unread.length > 0) {
    await ph.messages.markRead({ owner, ids: unread.map((i) => i.message.id) })
  }
}

async function check(peers: TwoPeers, sent: readonly Sent[]): Promise<void> {
  const engine = (x: Peer) => (x === 'a' ? peers.a : peers.b)
  for (const x of ['a', 'b'] as const) {
    const ph = engine(x)
    const fromThere = sent.filter((m) => m.peer === other(x))
    const received = (await eventsAfter(ph, 0)).filter((e) => e.type === 'message.received')
    for (const owner of local[x]) {
      const address = `${owner}@${x}`
      const expected = fromThere.filter((m) => m.to.includes(address))
      // Exactly once in the box: every message sent to them, nothing else, no copy.
      const items = await inbox(ph, owner)
      expect(items.map((i) => i.message.id).sort()).toEqual(expected.map((m) => m.id).sort())
      // Arrived in the order sent, per sender: the receiver's events are in commit order.
      const arrived = received.filter((e) => e.owner === owner).map((e) => e.messageId)
      expect([...arrived].sort()).toEqual(expected.map((m) => m.id).sort())
      for (const sender of local[other(x)]) {
        const mine = new Set(expected.filter((m) => m.from === sender).map((m) => m.id))
        expect(arrived.filter((id) => mine.has(id!))).toEqual(
          expected.filter((m) => m.from === sender).map((m) => m.id),
        )
      }
      // The sender's receipt agrees: delivered (read once read there) iff stored here.
      for (const item of items) {
        const m = expected.find((e) => e.id === item.message.id)!
        const receipts = await engine(m.peer).messages.receipts({ owner: m.from, id: m.id })
        expect(receipts.find((r) => r.recipient === address)).toMatchObject({
          status: item.entry.readAt === null ? 'delivered' : 'read',
          deliveredAt: expect.any(Number),
        })
      }
    }
    // Sent to nobody there: failed, stored nowhere.
    for (const m of fromThere.filter((s) => s.to.includes(`ghost@${x}`))) {
      const receipts = await engine(m.peer).messages.receipts({ owner: m.from, id: m.id })
      expect(receipts.find((r) => r.recipient === `ghost@${x}`)).toMatchObject({
        status: 'failed',
        code: 'recipient_not_found',
      })
    }
  }
  expect(await peers.a.verify()).toEqual([])
  expect(await peers.b.verify()).toEqual([])
}

/**
 * The delivery property on the fault simulator: any fault plan (drops before and after the
 * peer's commit, duplicates, delays, reorders, partitions, crashes and restarts, reads), then
 * heal, restart and settle, ends with every message in its recipient's box exactly once,
 * arrived in the order sent per sender and recipient, the sender's receipts agreeing
 * (delivered or read iff stored, failed for nobody), and `verify()` clean on both engines.
 * A failing run prints its plan, whose `seed` replays the network's choices.
 */
export function describeFaults(options: ConformanceOptions & { fuzzRuns: number }): void {
  describe('delivery under faults (memory network simulator)', () => {
    it(`any fault plan, healed and settled: exactly once, in order, receipts agree (${options.fuzzRuns} plans)`, async () => {
      await fc.assert(
        fc.asyncProperty(plan, (p) => runPlan(options, p)),
        { numRuns: options.fuzzRuns },
      )
    })
  })
}
