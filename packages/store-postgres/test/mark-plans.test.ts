import { openPigeonhole, type Store } from '@pigeonhole/core'
import type { CompiledQuery, KyselyPlugin, RootOperationNode } from 'kysely'
import { expect, it, vi } from 'vitest'
import { describePostgres, rawClient, useSchemas } from './postgres-env.js'

vi.setConfig({ testTimeout: 240_000 })

/** One node of `EXPLAIN (FORMAT JSON)`. */
interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  Plans?: PlanNode[]
}

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)]
}

/** The same store, keeping every statement on box_entries it runs, to EXPLAIN afterwards. */
function recording(store: Store) {
  const nodes: RootOperationNode[] = []
  const plugin = {
    transformQuery(args: { node: RootOperationNode }) {
      const node = args.node as RootOperationNode & Record<string, unknown>
      const target = JSON.stringify(node.table ?? node.from ?? {})
      if (/"name":"box_entries"/.test(target)) nodes.push(args.node)
      return args.node
    },
    async transformResult(args: { result: unknown }) {
      return args.result
    },
  } as unknown as KyselyPlugin
  const wrapped: Store = {
    ...store,
    db: store.db.withPlugin(plugin),
    transaction: (body) => store.transaction((trx) => body(trx.withPlugin(plugin))),
    close: () => store.close(),
  }
  return {
    store: wrapped,
    /** Forgets what ran so far: only what runs next is looked at. */
    clear: () => {
      nodes.length = 0
    },
    compiled: (): CompiledQuery[] => {
      const executor = store.db.getExecutor()
      const byText = new Map<string, CompiledQuery>()
      for (const node of nodes) {
        const query = executor.compileQuery(node, { queryId: 'explain' })
        byText.set(query.sql, query)
      }
      return [...byText.values()]
    },
  }
}

describePostgres('a whole-box mark on a table without statistics', () => {
  const schemas = useSchemas('ph_plans')

  it('uses the owner/box index in every statement, and completes', async () => {
    const schema = schemas.next()
    const rec = recording(schemas.store(schema))
    const ph = await openPigeonhole({ store: rec.store })
    const client = await rawClient(schema)
    try {
      // As a fresh database: never analyzed, and autovacuum (autoanalyze) kept away.
      for (const table of ['box_entries', 'messages', 'events', 'box_counts']) {
        await client.query(`alter table ${table} set (autovacuum_enabled = false)`)
      }
      await ph.accounts.register({ address: 'alice' })
      await ph.accounts.register({ address: 'bob' })
      const n = 5000
      for (let start = 0; start < n; start += 1000) {
        const items = Array.from({ length: 1000 }, (_, i) => ({
          identifier: String(start + i),
          from: 'alice',
          to: ['bob'],
          content: { i: start + i },
        }))
        expect((await ph.messages.sendMany(items)).created).toBe(1000)
      }
      const stats = await client.query(
        `select last_analyze, last_autoanalyze, last_autovacuum from pg_stat_user_tables
         where schemaname = $1 and relname = 'box_entries'`,
        [schema],
      )
      expect(stats.rows).toEqual([
        { last_analyze: null, last_autoanalyze: null, last_autovacuum: null },
      ])

      rec.clear()
      expect(await ph.messages.markRead({ owner: 'bob', box: 'inbox' })).toEqual({ changed: n })
      expect((await ph.boxes.counts('bob')).inbox).toEqual({ total: n, unread: 0 })
      expect(await ph.messages.markUnread({ owner: 'bob', box: 'inbox' })).toEqual({ changed: n })
      expect((await ph.boxes.counts('bob')).inbox).toEqual({ total: n, unread: n })

      const statements = rec.compiled()
      expect(statements.some((q) => q.sql.startsWith('update'))).toBe(true)
      for (const query of statements) {
        const { rows } = await client.query(`explain (format json) ${query.sql}`, [
          ...query.parameters,
        ])
        const nodes = nodesOf(rows[0]['QUERY PLAN'][0].Plan as PlanNode)
        const shown = `${query.sql}\n${nodes.map((p) => `${p['Node Type']} ${p['Relation Name'] ?? ''} ${p['Index Name'] ?? ''}`).join('\n')}`
        const scans = nodes.filter(
          (p) => p['Relation Name'] === 'box_entries' && p['Node Type'] !== 'ModifyTable',
        )
        expect(scans.length, shown).toBeGreaterThan(0)
        for (const scan of scans) {
          // An ordered walk of the owner/box index, or the rows it found fetched by row id.
          const byIndex =
            ['Index Scan', 'Index Only Scan'].includes(scan['Node Type']) &&
            /^box_entries_(live|unread)$/.test(scan['Index Name'] ?? '')
          expect(byIndex || scan['Node Type'] === 'Tid Scan', shown).toBe(true)
        }
        expect(
          nodes.filter((p) => p['Node Type'] === 'Nested Loop'),
          shown,
        ).toEqual([])
      }
      expect(await ph.verify()).toEqual([])
    } finally {
      await client.end()
      await ph.close()
    }
  })
})
