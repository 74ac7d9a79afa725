import { isPigeonholeError, type Message, PigeonholeError, type SendPolicy } from '@pigeonhole/core'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, expect, test } from 'vitest'
import { sqliteStore } from '../src/index.js'
import { consecutive, eventsOfMessages, groupCommitFiles } from './group-commit-helpers.js'

let files = groupCommitFiles()
afterEach(async () => {
  await files.cleanup()
  files = groupCommitFiles()
})

const hi = (from: string, to: string, text: string) => ({ from, to: [to], content: { text } })

test("durability 'full': 16 concurrent sends share one transaction, each resolved after its commit", async () => {
  const e = await files.open()
  for (const address of ['alice', 'bob']) await e.ph.accounts.register({ address })
  const before = e.transactions()
  const reader = new BetterSqlite3(e.path, { readonly: true })
  const countStored = () => reader.prepare('select count(*) from messages').pluck().get()
  let storedAtFirstAnswer: unknown
  const sends = Array.from({ length: 16 }, (_, i) =>
    e.ph.messages.send(hi('alice', 'bob', `#${i}`)).then((message) => {
      // Another connection sees the whole group as soon as any of it is answered: committed.
      storedAtFirstAnswer ??= countStored()
      return message
    }),
  )
  const messages = await Promise.all(sends)
  reader.close()
  expect(e.transactions() - before).toBe(1)
  expect(storedAtFirstAnswer).toBe(16)
  expect(messages.map((m) => m.content.text)).toEqual(messages.map((_, i) => `#${i}`))
  // Every event of the group was emitted before the first call returned, in cursor order.
  const sent = e.events.filter((ev) => ev.type.startsWith('message.'))
  expect(eventsOfMessages(sent)).toEqual(
    messages.flatMap((m) => [`message.sent alice ${m.id}`, `message.received bob ${m.id}`]),
  )
  expect(consecutive(sent)).toBe(true)
  expect(e.ph.events.lastCursor).toBe(sent.at(-1)?.cursor)
  expect((await e.ph.boxes.counts('bob')).inbox).toEqual({ total: 16, unread: 16 })
  expect(await e.ph.verify()).toEqual([])
})

test("group commit is on with 'full', off with 'normal', and the option says otherwise", async () => {
  const cases = [
    [{ durability: 'full' }, 1],
    [{ durability: 'normal' }, 8],
    // The store's default durability ('normal').
    [{ durability: undefined }, 8],
    [{ durability: 'normal', groupCommit: true }, 1],
    [{ durability: 'full', groupCommit: false }, 8],
  ] as const
  for (const [options, transactions] of cases) {
    const e = await files.open(options)
    for (const address of ['alice', 'bob']) await e.ph.accounts.register({ address })
    const before = e.transactions()
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => e.ph.messages.send(hi('alice', 'bob', `#${i}`))),
    )
    expect(e.transactions() - before, JSON.stringify(options)).toBe(transactions)
    expect((await e.ph.boxes.counts('bob')).inbox?.total).toBe(8)
  }
})

test('a failing send in a group fails alone, with its own error; the others are stored and emitted', async () => {
  const boom = new Error('policy store unreachable')
  const throws: SendPolicy = {
    name: 'throws-on-boom',
    judge(batch) {
      if (batch.items.some((item) => item.content.text === 'boom')) throw boom
    },
  }
  const e = await files.open({}, { policies: [throws] })
  for (const address of ['alice', 'bob', 'dave']) await e.ph.accounts.register({ address })
  await e.ph.accounts.register({ address: 'carol', consent: 'opt-in' })
  const before = e.transactions()
  const calls = [
    e.ph.messages.send(hi('alice', 'bob', 'one')),
    e.ph.messages.send(hi('alice', 'zed', 'no such recipient')),
    e.ph.messages.send({ ...hi('alice', 'dave', 'keyed'), idempotencyKey: 'k' }),
    e.ph.messages.send(hi('alice', 'carol', 'no consent')),
    e.ph.messages.send(hi('alice', 'bob', 'boom')),
    // The same key for another payload: a conflict with the send two places up, same group.
    e.ph.messages.send({ ...hi('alice', 'dave', 'other'), idempotencyKey: 'k' }),
    // The same key and payload: that message again.
    e.ph.messages.send({ ...hi('alice', 'dave', 'keyed'), idempotencyKey: 'k' }),
    e.ph.messages.send(hi('bob', 'alice', 'two')),
  ]
  const settled = await Promise.allSettled(calls)
  expect(e.transactions() - before).toBe(1)
  const outcome = (i: number) => {
    const s = settled[i]!
    if (s.status === 'fulfilled') return `ok ${(s.value as Message).content.text}`
    return isPigeonholeError(s.reason) ? `failed ${s.reason.code}` : s.reason
  }
  expect(settled.map((_, i) => outcome(i))).toEqual([
    'ok one',
    'failed recipient_not_found',
    'ok keyed',
    'failed consent_required',
    boom,
    'failed idempotency_conflict',
    'ok keyed',
    'ok two',
  ])
  const ok = (i: number) => (settled[i] as PromiseFulfilledResult<Message>).value
  expect(ok(6).id).toBe(ok(2).id)
  const created = [ok(0), ok(2), ok(7)]
  const sent = e.events.filter((ev) => ev.type.startsWith('message.'))
  expect(eventsOfMessages(sent)).toEqual(
    created.flatMap((m) => [
      `message.sent ${m.from} ${m.id}`,
      `message.received ${m.to[0]} ${m.id}`,
    ]),
  )
  expect(consecutive(sent)).toBe(true)
  const inbox = async (owner: string) =>
    (await e.ph.messages.list({ owner, box: 'inbox' })).items.map((i) => i.message.content.text)
  expect(await inbox('bob')).toEqual(['one'])
  expect(await inbox('dave')).toEqual(['keyed'])
  expect(await inbox('carol')).toEqual([])
  expect(await inbox('alice')).toEqual(['two'])
  expect(await e.ph.verify()).toEqual([])
})

test('a job that fails after writing is undone to its savepoint alone, its rate token given back', async () => {
  const e = await files.open(
    {},
    { clock: { now: () => 1_000_000 }, limits: { sendsPerSecond: 1, burst: 2 } },
  )
  for (const address of ['alice', 'bob', 'poison']) await e.ph.accounts.register({ address })
  // A real failure in the middle of a send: its message row is written, then its entry's
  // insert aborts (the statement only: the transaction goes on, as SQLite does).
  const raw = new BetterSqlite3(e.path)
  raw.exec(`create trigger poison before insert on box_entries when new.owner = 'poison'
    begin select raise(abort, 'poisoned entry'); end`)
  raw.close()
  const before = e.transactions()
  const settled = await Promise.allSettled([
    e.ph.messages.send(hi('alice', 'bob', 'first')),
    e.ph.messages.send(hi('alice', 'poison', 'undone')),
    e.ph.messages.send(hi('alice', 'bob', 'third')),
  ])
  expect(e.transactions() - before).toBe(1)
  expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
  expect(String((settled[1] as PromiseRejectedResult).reason)).toMatch(/poisoned entry/)
  const check = new BetterSqlite3(e.path, { readonly: true })
  const texts = check.prepare("select json_extract(content, '$.text') from messages").pluck().all()
  check.close()
  expect(texts.sort()).toEqual(['first', 'third'])
  // Two tokens taken (first, third), the undone one's given back; the burst is 2.
  await expect(e.ph.messages.send(hi('alice', 'bob', 'fourth'))).rejects.toMatchObject({
    code: 'rate_limited',
  })
  expect(await e.ph.verify()).toEqual([])
})

test('close() while a group is in flight: the group commits, its calls resolve, later ones fail', async () => {
  const e = await files.open()
  for (const address of ['alice', 'bob']) await e.ph.accounts.register({ address })
  const sends = Array.from({ length: 16 }, (_, i) =>
    e.ph.messages.send(hi('alice', 'bob', `#${i}`)),
  )
  const closed = e.ph.close()
  const late = e.ph.messages.send(hi('alice', 'bob', 'late'))
  const messages = await Promise.all(sends)
  await closed
  await expect(late).rejects.toMatchObject({ code: 'closed' })
  expect(messages).toHaveLength(16)
  const again = await files.open({}, {}, e.path)
  const page = await again.ph.messages.list({ owner: 'bob', limit: 100 })
  expect(page.items.map((i) => i.message.id).sort()).toEqual(messages.map((m) => m.id).sort())
  expect(await again.ph.verify()).toEqual([])
})

test('groupCommit must be a boolean', () => {
  let error: unknown
  try {
    sqliteStore({ path: ':memory:', groupCommit: 'yes' as unknown as boolean })
  } catch (e) {
    error = e
  }
  expect(error).toBeInstanceOf(PigeonholeError)
  expect(isPigeonholeError(error, 'invalid_input')).toBe(true)
  expect((error as PigeonholeError).details.field).toBe('groupCommit')
})
