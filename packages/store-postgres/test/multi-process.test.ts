import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { openPigeonhole } from '@pigeonhole/core'
import { expect, it } from 'vitest'
import { newestCursor, storedEvents } from './helpers.js'
import type { ChildStats, LoggedEvent, ToParent } from './multi-process/protocol.js'
import { sharedKeys } from './multi-process/protocol.js'
import { databaseUrl, describePostgres, rawClient, useSchemas } from './postgres-env.js'

const processes = Number(process.env.MP_PROCESSES ?? 3)
const opsEach = Number(process.env.MP_OPS ?? 300)
const accounts = ['ann', 'ben', 'cat', 'dan', 'eve', 'fay']
const root = fileURLToPath(new URL('../../..', import.meta.url))
const childFile = fileURLToPath(new URL('./multi-process/child.ts', import.meta.url))

/** A child process of the test, with its messages in arrival order. */
class Child {
  readonly process: ChildProcess
  readonly #received: ToParent[] = []
  readonly #waiters: (() => void)[] = []
  readonly exited: Promise<number | null>

  constructor(index: number, schema: string, seed: number) {
    this.process = fork(childFile, [], {
      cwd: root,
      execArgv: ['--import', 'tsx', '--conditions=source'],
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        MP_SCHEMA: schema,
        MP_INDEX: String(index),
        MP_OPS: String(opsEach),
        MP_SEED: String(seed),
        MP_ACCOUNTS: accounts.join(','),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    this.process.on('message', (m: ToParent) => {
      this.#received.push(m)
      for (const w of this.#waiters.splice(0)) w()
    })
    this.exited = new Promise((resolve) => this.process.on('exit', (code) => resolve(code)))
  }

  async next<T extends ToParent['type']>(type: T): Promise<Extract<ToParent, { type: T }>> {
    for (;;) {
      const at = this.#received.findIndex((m) => m.type === type)
      if (at >= 0) return this.#received.splice(at, 1)[0] as Extract<ToParent, { type: T }>
      const gone = await Promise.race([
        new Promise<false>((resolve) => this.#waiters.push(() => resolve(false))),
        this.exited.then(() => true),
      ])
      if (gone && !this.#received.some((m) => m.type === type)) {
        throw new Error(`child exited before sending '${type}'`)
      }
    }
  }
}

describePostgres('store-postgres: several processes on one database', () => {
  const schemas = useSchemas('ph_procs')

  it(`${processes} processes × ${opsEach} operations: nothing lost or duplicated, counts hold, every instance sees every event once in order`, async () => {
    const schema = schemas.next()
    const ph = await openPigeonhole({ store: schemas.store(schema) })
    const client = await rawClient(schema)
    const children: Child[] = []
    try {
      for (const address of accounts) await ph.accounts.register({ address })
      const seed = Date.now() % 100_000
      for (let i = 0; i < processes; i++) children.push(new Child(i, schema, seed))
      const starts = await Promise.all(children.map(async (c) => (await c.next('ready')).start))
      for (const c of children) c.process.send({ type: 'go' })
      const done = await Promise.all(children.map((c) => c.next('done')))

      const final = await newestCursor(client, schema)
      for (const c of children) c.process.send({ type: 'finish', cursor: final })
      const logs = await Promise.all(children.map((c) => c.next('log')))
      expect(await Promise.all(children.map((c) => c.exited))).toEqual(children.map(() => 0))

      const stats = done.map((d) => d.stats)
      const sum = (f: (s: ChildStats) => number) => stats.reduce((n, s) => n + f(s), 0)
      expect(
        stats.flatMap((s) => s.unexpected),
        `seed ${seed}`,
      ).toEqual([])

      // Counts equal a recount; versions agree with the event log.
      expect(await ph.verify()).toEqual([])

      // Idempotency held across processes: one message per key, the one every caller got.
      const { rows: keyed } = await client.query<{ key: string; id: string }>(
        `select idempotency_key as key, id from messages where idempotency_key is not null`,
      )
      const byKey = new Map(keyed.map((r) => [r.key, r.id]))
      expect(keyed.length).toBe(byKey.size)
      for (const d of done) {
        for (const [n, ids] of Object.entries(d.shared)) {
          for (const id of ids) expect(id).toBe(byKey.get(`shared-${n}`))
        }
      }
      expect(byKey.size).toBeLessThanOrEqual(sharedKeys)

      // Nothing lost, nothing duplicated: each successful call left exactly its events.
      const count = async (type: string) =>
        Number(
          (await client.query('select count(*) as n from events where type = $1', [type])).rows[0]
            .n,
        )
      const { rows: messages } = await client.query('select count(*) as n from messages')
      expect(Number(messages[0].n)).toBe(sum((s) => s.created) + byKey.size)
      expect(await count('message.sent')).toBe(Number(messages[0].n))
      expect(await count('message.read')).toBe(sum((s) => s.read))
      expect(await count('message.unread')).toBe(sum((s) => s.unread))
      expect(await count('message.moved')).toBe(sum((s) => s.moved))
      expect(await count('message.deleted')).toBe(sum((s) => s.deleted))
      expect(await count('message.updated')).toBe(sum((s) => s.edits))
      const { rows: unnumbered } = await client.query('select id from events where cursor is null')
      expect(unnumbered).toEqual([])

      // Every instance saw every event after it opened, once each, in cursor order.
      expect(new Set(starts).size).toBe(1)
      const stored = (await storedEvents(client, schema, starts[0]!)).map(
        (e): LoggedEvent => [e.cursor, e.type, e.owner, e.messageId],
      )
      expect(stored.length).toBeGreaterThan(processes * opsEach)
      for (const [i, log] of logs.entries()) {
        expect(log.start).toBe(starts[i])
        expect(log.events, `instance ${i}`).toEqual(stored)
      }
    } finally {
      for (const c of children) if (c.process.exitCode === null) c.process.kill()
      await client.end()
      await ph.close()
    }
  }, 240_000)
})
