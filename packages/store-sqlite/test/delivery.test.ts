import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { memoryNetwork, openPigeonhole, type Pigeonhole } from '@pigeonhole/core'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { sqliteStore } from '../src/index.js'

let dir: string
const opened: Pigeonhole[] = []

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pigeonhole-delivery-'))
})

afterEach(async () => {
  for (const engine of opened.splice(0)) await engine.close()
  rmSync(dir, { recursive: true, force: true })
})

async function open(
  net: ReturnType<typeof memoryNetwork>,
  peer: string,
  path: string,
): Promise<Pigeonhole> {
  const engine = await openPigeonhole({
    store: sqliteStore({ path }),
    transport: net.transport(peer),
    delivery: { baseDelayMs: 0 },
  })
  opened.push(engine)
  return engine
}

test('close() with deliveries waiting keeps them; reopened on the same file, delivery resumes in order', async () => {
  let sent = 0
  const net = memoryNetwork({
    deliver: async (_from, _to, batch, next) => {
      sent += batch.length
      return next(batch)
    },
  })
  const file = join(dir, 'a.db')
  const a = await open(net, 'a', file)
  await a.accounts.register({ address: 'alice' })
  // No engine on b yet: the messages wait in a's outbox.
  const ids: string[] = []
  for (let i = 0; i < 5; i++) {
    ids.push((await a.messages.send({ from: 'alice', to: ['bob@b'], content: { i } })).id)
  }
  await a.close()
  opened.splice(opened.indexOf(a), 1)
  const b = await open(net, 'b', ':memory:')
  await b.accounts.register({ address: 'bob' })
  const again = await open(net, 'a', file)
  await net.settle()
  const inbox = await b.messages.list({ owner: 'bob', order: 'oldest' })
  expect(inbox.items.map((i) => i.message.id)).toEqual(ids)
  expect(
    (await again.messages.receipts({ owner: 'alice', id: ids[4]! })).map((r) => r.status),
  ).toEqual(['delivered'])
  expect(sent).toBeGreaterThanOrEqual(5)
  expect(await again.verify()).toEqual([])
  expect(await b.verify()).toEqual([])
})

test('close() waits for the batch in flight: its answer is recorded, nothing is sent twice', async () => {
  let release: (() => void) | undefined
  const gate = new Promise<void>((r) => {
    release = r
  })
  let batches = 0
  const net = memoryNetwork({
    deliver: async (_from, to, batch, next) => {
      if (to === 'b') {
        batches++
        await gate
      }
      return next(batch)
    },
  })
  const file = join(dir, 'a.db')
  const a = await open(net, 'a', file)
  const b = await open(net, 'b', ':memory:')
  await a.accounts.register({ address: 'alice' })
  await b.accounts.register({ address: 'bob' })
  const m = await a.messages.send({ from: 'alice', to: ['bob@b'], content: {} })
  while (batches === 0) await new Promise((r) => setTimeout(r, 2))
  const closing = a.close()
  opened.splice(opened.indexOf(a), 1)
  release!()
  await closing
  const reopened = await open(net, 'a', file)
  await net.settle()
  expect(batches).toBe(1)
  expect((await b.messages.list({ owner: 'bob' })).items.map((i) => i.message.id)).toEqual([m.id])
  expect((await reopened.messages.receipts({ owner: 'alice', id: m.id }))[0]!.status).toBe(
    'delivered',
  )
})
