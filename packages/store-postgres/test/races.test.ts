import { isPigeonholeError, openPigeonhole, type Pigeonhole, type Store } from '@pigeonhole/core'
import type { KyselyPlugin } from 'kysely'
import { expect, it } from 'vitest'
import { waitFor } from './helpers.js'
import { describePostgres, rawClient, useSchemas } from './postgres-env.js'

/** Which statement to stop after: its kind (e.g. 'InsertQueryNode') and table. */
type Stop = { kind: string; table: string }

/**
 * The same store, but a transaction can be held open right after a chosen statement has run
 * (its locks taken), so a call on another engine runs in between.
 */
function pausable(store: Store, schema: string) {
  const seen = new Map<unknown, Stop>()
  let armed: { stop: Stop; reached: () => void; gate: Promise<void> } | undefined
  const plugin = {
    transformQuery(args: { queryId: unknown; node: { kind: string } & Record<string, unknown> }) {
      const target = JSON.stringify(args.node.into ?? args.node.table ?? args.node.from ?? {})
      const table = /"name":"([a-z_]+)"/.exec(target)?.[1] ?? '?'
      seen.set(args.queryId, { kind: args.node.kind, table })
      return args.node
    },
    async transformResult(args: { queryId: unknown; result: unknown }) {
      const node = seen.get(args.queryId)
      seen.delete(args.queryId)
      if (armed && node?.kind === armed.stop.kind && node.table === armed.stop.table) {
        const hold = armed
        armed = undefined
        hold.reached()
        await hold.gate
      }
      return args.result
    },
  } as unknown as KyselyPlugin
  const wrapped: Store = {
    ...store,
    transaction: (body) => store.transaction((trx) => body(trx.withPlugin(plugin))),
    close: () => store.close(),
  }
  return {
    store: wrapped,
    /**
     * Runs `first` until `stop` has run, then `second` until it settles or waits on a lock,
     * then lets `first` go on; both outcomes, as values or errors.
     */
    async race<A, B>(stop: Stop, first: () => Promise<A>, second: () => Promise<B>) {
      let open!: () => void
      const gate = new Promise<void>((resolve) => {
        open = resolve
      })
      const reached = new Promise<void>((resolve) => {
        armed = { stop, reached: resolve, gate }
      })
      const a = settle(first())
      await reached
      let settled = false
      const b = settle(second()).finally(() => {
        settled = true
      })
      await waitFor(async () => settled || (await someoneWaitsOnLock(schema)), 'the second call')
      open()
      return { first: await a, second: await b }
    },
  }
}

type Outcome<T> = { value: T } | { error: unknown }

function settle<T>(p: Promise<T>): Promise<Outcome<T>> {
  return p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  )
}

/** Whether a session waits on one holding locks in `schema` (not on other test files' schemas). */
async function someoneWaitsOnLock(schema: string): Promise<boolean> {
  const client = await rawClient()
  try {
    const { rows } = await client.query(
      `select 1 from pg_stat_activity a where a.wait_event_type = 'Lock' and exists (
         select 1 from pg_locks l
         join pg_class c on c.oid = l.relation
         join pg_namespace n on n.oid = c.relnamespace
         where l.pid = any(pg_blocking_pids(a.pid)) and n.nspname = $1)`,
      [schema],
    )
    return rows.length > 0
  } finally {
    await client.end()
  }
}

describePostgres('store-postgres: concurrent writes on two engines', () => {
  const schemas = useSchemas('ph_races')

  /** Two engines on one fresh schema: `held` can be paused mid-transaction. */
  async function pair(markChunkSize?: number) {
    const schema = schemas.next()
    const hold = pausable(schemas.store(schema), schema)
    const limits = markChunkSize === undefined ? {} : { limits: { markChunkSize } }
    const held = await openPigeonhole({ store: hold.store, ...limits })
    const other = await openPigeonhole({ store: schemas.store(schema), ...limits })
    for (const address of ['alice', 'bob', 'carol']) await held.accounts.register({ address })
    return {
      schema,
      held,
      other,
      race: hold.race,
      close: async () => {
        await held.close()
        await other.close()
      },
    }
  }

  async function using<T>(p: Awaited<ReturnType<typeof pair>>, body: () => Promise<T>): Promise<T> {
    try {
      return await body()
    } finally {
      await p.close()
    }
  }

  it('a broadcast racing a register keeps counts equal to entries', async () => {
    const p = await pair()
    await using(p, async () => {
      const r = await p.race(
        { kind: 'InsertQueryNode', table: 'box_entries' },
        () => p.held.messages.broadcast({ content: { text: 'hi' } }),
        () => p.other.accounts.register({ address: 'dave' }),
      )
      expect('value' in r.first && 'value' in r.second).toBe(true)
      expect(await p.held.verify()).toEqual([])
      expect((await p.held.boxes.counts('dave')).inbox?.total ?? 0).toBe(0)
      expect((await p.held.boxes.counts('alice')).inbox).toMatchObject({ total: 1, unread: 1 })
    })
  })

  it('a whole-box markRead racing a mark by id leaves nothing unread', async () => {
    const p = await pair(3)
    await using(p, async () => {
      for (let i = 0; i < 6; i++) {
        await p.held.messages.send({ from: 'alice', to: ['bob'], content: { i } })
      }
      // Hold a row the box mark's first chunk picks (the same query, run by hand).
      const client = await rawClient(p.schema)
      const { rows } = await client.query(
        `select message_id from box_entries where owner = 'bob' and box = 'inbox'
         and deleted_at is null and read_at is null limit 3`,
      )
      await client.end()
      const first = rows[0].message_id as string
      const r = await p.race(
        { kind: 'UpdateQueryNode', table: 'box_entries' },
        () => p.held.messages.markRead({ owner: 'bob', ids: [first] }),
        () => p.other.messages.markRead({ owner: 'bob', box: 'inbox' }),
      )
      expect(r.first).toEqual({ value: { changed: 1 } })
      expect(r.second).toEqual({ value: { changed: 5 } })
      expect((await p.other.boxes.counts('bob')).inbox).toMatchObject({ total: 6, unread: 0 })
      expect(await p.held.verify()).toEqual([])
    })
  })

  it('two updates of different account fields both stick', async () => {
    const p = await pair()
    await using(p, async () => {
      const r = await p.race(
        { kind: 'UpdateQueryNode', table: 'accounts' },
        () => p.held.accounts.update({ address: 'alice', displayName: 'Alice' }),
        () => p.other.accounts.update({ address: 'alice', consent: 'opt-in' }),
      )
      expect(r.first).toMatchObject({ value: { displayName: 'Alice', version: 2 } })
      expect(r.second).toMatchObject({
        value: { displayName: 'Alice', consent: 'opt-in', version: 3 },
      })
      expect(await p.held.accounts.get('alice')).toMatchObject({
        displayName: 'Alice',
        consent: 'opt-in',
        version: 3,
      })
    })
  })

  it('a send racing accounts.remove leaves nothing for the removed account', async () => {
    const p = await pair()
    await using(p, async () => {
      const r = await p.race(
        { kind: 'InsertQueryNode', table: 'messages' },
        () => p.held.messages.send({ from: 'alice', to: ['carol'], content: { text: 'x' } }),
        () => p.other.accounts.remove('carol'),
      )
      expect('value' in r.first && 'value' in r.second).toBe(true)
      expect(await p.held.accounts.get('carol')).toBeNull()
      expect(await p.held.verify()).toEqual([])
    })
  })

  it('a broadcast racing accounts.remove leaves nothing for the removed account', async () => {
    const p = await pair()
    await using(p, async () => {
      const r = await p.race(
        { kind: 'InsertQueryNode', table: 'box_entries' },
        () => p.held.messages.broadcast({ content: { text: 'hi' } }),
        () => p.other.accounts.remove('carol'),
      )
      expect('value' in r.first && 'value' in r.second).toBe(true)
      expect(await p.held.verify()).toEqual([])
    })
  })

  it('a thread created racing accounts.remove keeps no member without an account', async () => {
    const p = await pair()
    await using(p, async () => {
      const r = await p.race(
        { kind: 'SelectQueryNode', table: 'accounts' },
        () => p.held.threads.create({ subject: 's', participants: ['alice', 'carol'] }),
        () => p.other.accounts.remove('carol'),
      )
      expect('value' in r.first && 'value' in r.second).toBe(true)
      const client = await rawClient()
      try {
        const { rows } = await client.query(
          `select 1 from "${p.schema}".thread_participants where address = 'carol'`,
        )
        expect(rows).toEqual([])
      } finally {
        await client.end()
      }
    })
  })

  it('two moves of one entry both take effect, in commit order', async () => {
    const p = await pair()
    await using(p, async () => {
      const m = await p.held.messages.send({ from: 'alice', to: ['bob'], content: { t: 1 } })
      const r = await p.race(
        { kind: 'SelectQueryNode', table: 'box_entries' },
        () => p.held.messages.move({ owner: 'bob', ids: [m.id], to: 'archive' }),
        () => p.other.messages.move({ owner: 'bob', ids: [m.id], to: 'later' }),
      )
      expect(r.first).toEqual({ value: { changed: 1 } })
      expect(r.second).toEqual({ value: { changed: 1 } })
      expect((await p.held.messages.getItem({ owner: 'bob', id: m.id }))?.entry.box).toBe('later')
      expect(await p.held.verify()).toEqual([])
    })
  })

  it('a lost compare-and-set names the version that won', async () => {
    const p = await pair()
    await using(p, async () => {
      const m = await p.held.messages.send({ from: 'alice', to: ['bob'], content: { t: 'v1' } })
      const r = await p.race(
        { kind: 'SelectQueryNode', table: 'messages' },
        () => update(p.held, m.id, 'a'),
        () => update(p.other, m.id, 'b'),
      )
      expect(r.second).toMatchObject({ value: { version: 2 } })
      const error = 'error' in r.first ? r.first.error : undefined
      expect(isPigeonholeError(error) && error.code).toBe('version_conflict')
      expect(isPigeonholeError(error) && error.details.actualVersion).toBe(2)
      expect((error as Error).message).toContain('is at version 2, not 1')
    })
  })

  it('an update racing a retract reports the retract', async () => {
    const p = await pair()
    await using(p, async () => {
      const m = await p.held.messages.send({ from: 'alice', to: ['bob'], content: { t: 'v1' } })
      const r = await p.race(
        { kind: 'SelectQueryNode', table: 'messages' },
        () => update(p.held, m.id, 'a'),
        () => p.other.messages.retract({ id: m.id, by: 'alice' }),
      )
      expect('value' in r.second).toBe(true)
      const error = 'error' in r.first ? r.first.error : undefined
      expect(isPigeonholeError(error) && error.code).toBe('invalid_transition')
    })
  })
  /** alice's Draft asking bob to authenticate, on `ph`. */
  async function draft(ph: Pigeonhole) {
    return ph.requests.create({
      owner: 'alice',
      peer: 'bob',
      content: { items: [{ '@type': 'AuthenticationRequestItem', mustBeAccepted: true }] },
    })
  }

  it('a Draft sent twice at once on two engines is opened once; the other send gets request_already_sent', async () => {
    const p = await pair()
    await using(p, async () => {
      const request = await draft(p.held)
      const send = (ph: Pigeonhole) => () =>
        ph.messages.send({ from: 'alice', to: ['bob'], content: request.content })
      const r = await p.race(
        { kind: 'InsertQueryNode', table: 'messages' },
        send(p.held),
        send(p.other),
      )
      expect('value' in r.first).toBe(true)
      expect('error' in r.second && isPigeonholeError(r.second.error, 'request_already_sent')).toBe(
        true,
      )
      const incoming = await p.other.requests.list({ owner: 'bob', direction: 'incoming' })
      expect(incoming.items.map((i) => i.status)).toEqual(['ManualDecisionRequired'])
      expect((await p.other.boxes.counts('bob')).inbox).toMatchObject({ total: 1, unread: 1 })
      expect(await p.held.verify()).toEqual([])
    })
  })

  it('an accept racing a reject of one request: exactly one wins, one Response is sent', async () => {
    const p = await pair()
    await using(p, async () => {
      const request = await draft(p.held)
      await p.held.messages.send({ from: 'alice', to: ['bob'], content: request.content })
      const r = await p.race(
        { kind: 'UpdateQueryNode', table: 'requests' },
        () => p.held.requests.accept({ owner: 'bob', id: request.id, items: [{ accept: true }] }),
        () => p.other.requests.reject({ owner: 'bob', id: request.id }),
      )
      expect('value' in r.first).toBe(true)
      expect('error' in r.second && isPigeonholeError(r.second.error, 'invalid_transition')).toBe(
        true,
      )
      const asked = await p.other.requests.get({ owner: 'alice', id: request.id })
      expect(asked?.status).toBe('Completed')
      expect(asked?.response?.content.result).toBe('Accepted')
      const responses = await p.other.messages.list({ owner: 'alice', box: 'inbox' })
      expect(responses.items.map((i) => i.message.content['@type'])).toEqual(['Response'])
      expect(await p.held.verify()).toEqual([])
    })
  })
})

function update(ph: Pigeonhole, id: string, text: string) {
  return ph.messages.update({ id, by: 'alice', content: { text }, expectedVersion: 1 })
}
