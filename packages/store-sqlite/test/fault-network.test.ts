import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ManualClock,
  type MemoryNetwork,
  memoryNetwork,
  type NetworkFaults,
  openPigeonhole,
} from '@pigeonhole/core'
import { PeerIds, twoPeers } from '@pigeonhole/core/testing'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { sqliteStore } from '../src/index.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pigeonhole-faults-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const openStore = () => sqliteStore({ path: ':memory:' })

/** What the wire did, batch by batch, through a hook around the faulty wire. */
function traced(seed: number, faults: NetworkFaults) {
  const trace: string[] = []
  const clock = new ManualClock()
  const net = memoryNetwork({
    seed,
    faults,
    clock,
    deliver: async (from, to, batch, next) => {
      const what = `${clock.now()} ${from}>${to} ${batch.map((d) => d.kind[0] + d.id).join(',')}`
      try {
        const acks = await next(batch)
        trace.push(`${what} ok ${acks.map((a) => a.status).join(',')}`)
        return acks
      } catch (error) {
        trace.push(`${what} ${error instanceof Error ? error.message : String(error)}`)
        throw error
      }
    },
  })
  return { net, clock, trace }
}

async function pair(net: MemoryNetwork, clock: ManualClock) {
  const open = (peer: string) =>
    net.open(peer, (p) =>
      openPigeonhole({
        store: openStore(),
        clock,
        ids: new PeerIds(peer),
        transport: p.transport,
        delivery: { random: p.random, baseDelayMs: 10, maxDelayMs: 500, batchSize: 3 },
      }),
    )
  const a = await open('a')
  const b = await open('b')
  await a.accounts.register({ address: 'alice' })
  await b.accounts.register({ address: 'bob' })
  return { a, b }
}

test('the same seed replays the same run exactly; another seed does not', async () => {
  const faults: NetworkFaults = { drop: 0.3, duplicate: 0.3, delayMs: [1, 40], reorder: 0.5 }
  const run = async (seed: number) => {
    const { net, clock, trace } = traced(seed, faults)
    const { a, b } = await pair(net, clock)
    try {
      for (let i = 0; i < 20; i++) {
        await a.messages.send({ from: 'alice', to: ['bob@b'], content: { i } })
        if (i % 5 === 4) await net.advance(25)
      }
      await net.settle()
      expect((await b.messages.list({ owner: 'bob', limit: 100 })).items).toHaveLength(20)
      return trace
    } finally {
      await net.close()
    }
  }
  const first = await run(7)
  expect(first.some((t) => t.includes('lost after the peer committed'))).toBe(true)
  expect(await run(7)).toEqual(first)
  expect(await run(8)).not.toEqual(first)
})

test('half-dead connections, drops and duplicates: 300 sends, none lost, none stored twice', async () => {
  const { net, clock, trace } = traced(13, { drop: 0.3, duplicate: 0.3, delayMs: [0, 20] })
  const { a, b } = await pair(net, clock)
  try {
    const ids: string[] = []
    for (let i = 0; i < 300; i++) {
      ids.push((await a.messages.send({ from: 'alice', to: ['bob@b'], content: { i } })).id)
    }
    await net.settle()
    const got = (await b.messages.list({ owner: 'bob', order: 'oldest', limit: 1000 })).items
    expect(got.map((i) => i.message.id).sort()).toEqual([...ids].sort())
    expect(trace.some((t) => t.includes('lost after the peer committed'))).toBe(true)
    expect(trace.some((t) => t.includes('the request was lost'))).toBe(true)
    expect(trace.some((t) => t.includes('duplicate'))).toBe(true)
    const receipts = await a.messages.receipts({ owner: 'alice', id: ids[299]! })
    expect(receipts[0]!.status).toBe('delivered')
    expect(await a.verify()).toEqual([])
    expect(await b.verify()).toEqual([])
  } finally {
    await net.close()
  }
})

test('crash and restart on SQLite files: the restarted engine has its data and delivers what waited', async () => {
  const clock = new ManualClock()
  const net = memoryNetwork({ seed: 1, clock, faults: { delayMs: [5, 50] } })
  const open = (peer: string) =>
    net.open(peer, (p) =>
      openPigeonhole({
        // A file: what was committed survives the crash (`:memory:` would start empty).
        store: sqliteStore({ path: join(dir, `${peer}.db`) }),
        clock,
        ids: new PeerIds(`${peer}${p.incarnation}`),
        transport: p.transport,
        delivery: { random: p.random },
      }),
    )
  const a = await open('a')
  const b = await open('b')
  try {
    await a.accounts.register({ address: 'alice' })
    await b.accounts.register({ address: 'bob' })
    await net.crash('b')
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      ids.push((await a.messages.send({ from: 'alice', to: ['bob@b'], content: { i } })).id)
    }
    await expect(b.accounts.get('bob')).rejects.toMatchObject({ code: 'closed' })
    await net.advance(5_000)
    await net.restart('b')
    await net.settle()
    // The handle `b` is the restarted engine: bob is still registered, the messages came in order.
    const got = await b.messages.list({ owner: 'bob', order: 'oldest' })
    expect(got.items.map((i) => i.message.id)).toEqual(ids)
    expect(await a.verify()).toEqual([])
    expect(await b.verify()).toEqual([])
  } finally {
    await net.close()
  }
})

test('settle cannot hang: a partition not healed fails after maxSteps, naming it and the seed', async () => {
  const { a, net, close } = await twoPeers({ openStore, seed: 99 })
  try {
    await a.accounts.register({ address: 'alice' })
    net.partition('a', 'b')
    await a.messages.send({ from: 'alice', to: ['bob@b'], content: {} })
    await expect(net.settle({ maxSteps: 30 })).rejects.toThrow(
      /memoryNetwork\(seed 99\)\.settle: gave up after 30 steps .*outbox not empty: a.*partitioned: a\|b/,
    )
    net.heal()
    await net.settle()
  } finally {
    await close()
  }
})

test('twoPeers: one line, two engines on fresh stores, delivering on a manual clock', async () => {
  const { a, b, net, clock, close } = await twoPeers({ openStore, faults: { delayMs: 100 } })
  try {
    await a.accounts.register({ address: 'alice' })
    await b.accounts.register({ address: 'bob' })
    const start = clock.now()
    const m = await a.messages.send({ from: 'alice', to: ['bob@b'], content: { hi: 1 } })
    await net.settle()
    // The message 100 ms there (stored at +100), its answer back by +200; the receipt leaves b
    // at +100, reaches a at +200, its answer is back at +300: the clock moved, nothing slept.
    expect(clock.now() - start).toBe(300)
    expect((await b.messages.list({ owner: 'bob' })).items[0]?.message).toMatchObject({
      id: m.id,
      createdAt: start,
    })
    expect((await a.messages.receipts({ owner: 'alice', id: m.id }))[0]).toMatchObject({
      status: 'delivered',
      deliveredAt: start + 100,
    })
    expect(typeof net.seed).toBe('number')
  } finally {
    await close()
  }
})

test('closing while a batch is on the wire of a manual clock nobody moves: close resolves', async () => {
  const { a, b, net, close } = await twoPeers({ openStore, faults: { delayMs: 100 } })
  let closed = false
  try {
    await a.accounts.register({ address: 'alice' })
    await b.accounts.register({ address: 'bob' })
    await a.messages.send({ from: 'alice', to: ['bob@b'], content: {} })
    // The batch left a and waits 100 ms on the clock, which only settle/advance move.
    await new Promise((resolve) => setTimeout(resolve, 50))
    const closing = close().then(() => {
      closed = true
    })
    await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 5_000))])
    expect(closed, 'close resolved').toBe(true)
    expect(() => net.engine('a')).toThrow(/no engine "a"/)
  } finally {
    if (!closed) await close()
  }
})
