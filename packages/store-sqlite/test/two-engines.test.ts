import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isPigeonholeError, openPigeonhole, type Pigeonhole } from '@pigeonhole/core'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { sqliteStore } from '../src/index.js'

let dir: string
const opened: Pigeonhole[] = []

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pigeonhole-two-engines-'))
})

afterEach(async () => {
  for (const engine of opened.splice(0)) await engine.close()
  rmSync(dir, { recursive: true, force: true })
})

async function open(busyTimeoutMs?: number, pollIntervalMs?: number): Promise<Pigeonhole> {
  const engine = await openPigeonhole({
    store: sqliteStore({ path: join(dir, 'shared.db'), busyTimeoutMs, pollIntervalMs }),
  })
  opened.push(engine)
  return engine
}

test('two engines on one file: interleaved sends all commit and both verify clean', async () => {
  const a = await open()
  const b = await open()
  await a.accounts.register({ address: 'alice' })
  await b.accounts.register({ address: 'bob' })
  const sends = Array.from({ length: 100 }, (_, i) =>
    (i % 2 ? a : b).messages.send({ from: 'alice', to: ['bob'], content: { i } }),
  )
  const results = await Promise.allSettled(sends)
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []))
  expect(failures).toEqual([])
  expect(await a.verify()).toEqual([])
  expect(await b.verify()).toEqual([])
  const page = await b.messages.list({ owner: 'bob', limit: 1000 })
  expect(page.items).toHaveLength(100)
})

test('a writer that cannot get the lock in time fails with store_error, the cause kept', async () => {
  const engine = await open(50)
  await engine.accounts.register({ address: 'alice' })
  const holder = new BetterSqlite3(join(dir, 'shared.db'))
  holder.exec('begin immediate')
  try {
    const error = await engine.messages
      .send({ from: 'alice', to: ['alice'], content: {} })
      .catch((e: unknown) => e)
    expect(isPigeonholeError(error, 'store_error')).toBe(true)
    expect((error as Error).cause).toMatchObject({ code: 'SQLITE_BUSY' })
  } finally {
    holder.exec('rollback')
    holder.close()
  }
  // The lock released, the same engine writes again.
  await engine.messages.send({ from: 'alice', to: ['alice'], content: {} })
  expect(await engine.verify()).toEqual([])
})

/** Waits until `done` holds, polling (10 s at most). */
async function waitFor(done: () => boolean, what: string): Promise<void> {
  const until = Date.now() + 10_000
  while (!done()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

test('since(0) on B is gap-free when A writes in between and B writes after', async () => {
  const a = await open()
  const b = await open()
  await a.accounts.register({ address: 'alice' })
  await a.accounts.register({ address: 'bob' })
  const seen: number[] = []
  b.events.since(0).subscribe((e) => seen.push(e.cursor))
  for (let i = 0; i < 5; i++) await a.messages.send({ from: 'alice', to: ['bob'], content: { i } })
  await b.messages.send({ from: 'bob', to: ['alice'], content: {} })
  const last = b.events.lastCursor
  expect(last).toBe(14)
  await waitFor(() => seen.at(-1) === last, 'B to see its own send')
  expect(seen).toEqual(Array.from({ length: last }, (_, i) => i + 1))
})

test("an idle engine sees the other engine's commits, once each, in cursor order", async () => {
  const a = await open()
  const b = await open()
  const live: number[] = []
  const replayed: number[] = []
  b.events$.subscribe((e) => live.push(e.cursor))
  b.events.since(0).subscribe((e) => replayed.push(e.cursor))
  await a.accounts.register({ address: 'alice' })
  for (let i = 0; i < 5; i++)
    await a.messages.send({ from: 'alice', to: ['alice'], content: { i } })
  const last = a.events.lastCursor
  await waitFor(() => live.at(-1) === last && replayed.at(-1) === last, "B to see A's events")
  const all = Array.from({ length: last }, (_, i) => i + 1)
  expect(live).toEqual(all)
  expect(replayed).toEqual(all)
  expect(b.events.lastCursor).toBe(last)
})

test("reading a long backlog of the other engine's events lets the event loop run between pages", async () => {
  const a = await open()
  // B learns of A's events only from its own commit: one drain over the whole backlog.
  const b = await open(undefined, 60_000)
  await a.accounts.register({ address: 'alice' })
  for (let batch = 0; batch < 3; batch++) {
    const sent = await a.messages.sendMany(
      Array.from({ length: 1000 }, (_, i) => ({
        identifier: `${batch}-${i}`,
        from: 'alice',
        to: ['alice'],
        content: { i },
      })),
    )
    expect(sent.created).toBe(1000)
  }
  const backlog = a.events.lastCursor
  let count = 0
  let seenAtImmediate: number | undefined
  b.events$.subscribe(() => {
    count += 1
    if (count === 1) setImmediate(() => (seenAtImmediate = count))
  })
  await b.accounts.register({ address: 'bob' })
  expect(count).toBe(backlog + 1)
  // The callback queued at the first event ran while the backlog was still being read.
  expect(seenAtImmediate, 'the callback ran before the call returned').toBeDefined()
  expect(seenAtImmediate).toBeLessThan(backlog)
})

test('verify() on either engine is clean in every round while both write at once', async () => {
  const a = await open()
  const b = await open()
  for (const address of ['alice', 'bob', 'carol']) await a.accounts.register({ address })
  const first = await a.messages.send({ from: 'alice', to: ['bob'], content: {} })
  for (let round = 0; round < 20; round++) {
    const writes = Promise.all([
      ...Array.from({ length: 5 }, (_, i) =>
        (i % 2 ? a : b).messages.send({ from: 'alice', to: ['bob', 'carol'], content: { i } }),
      ),
      a.messages.markRead({ owner: 'bob', box: 'inbox' }),
      b.messages.markUnread({ owner: 'bob', ids: [first.id] }),
    ])
    const found = await Promise.all([a.verify(), b.verify()])
    await writes
    expect(found, `round ${round}`).toEqual([[], []])
  }
})
