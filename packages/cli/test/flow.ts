import { expect, it } from 'vitest'
import { call, pigeonhole, serve } from './cli.js'

export interface FlowStore {
  /** The store options of every command, e.g. `['--sqlite', file]`. */
  flags(): string[]
  /** The words `migrate` and `verify` name the store with, e.g. `SQLite /tmp/x/app.db`. */
  describe(): string
  /** A raw SQL change through the store's driver: bob's inbox total off by 5. */
  plantDifference(): Promise<void>
}

/** migrate, keys, serve with a real fetch, revoke, verify clean and with a difference. */
export function storeFlow(store: FlowStore): void {
  it('migrate, keys create/list/revoke, serve and fetch, verify clean and with a difference', async () => {
    const flags = store.flags()
    const migrated = await pigeonhole(['migrate', ...flags])
    expect(migrated.stderr).toBe('')
    expect(migrated.code).toBe(0)
    expect(migrated.stdout).toContain(`${store.describe()}: ran 9 migrations:`)
    expect(migrated.stdout).toMatch(/^ {2}001-initial$/m)
    expect(migrated.stdout).toMatch(/^ {2}008-api-keys$/m)
    expect(migrated.stdout).toMatch(/^ {2}009-webhooks$/m)
    const again = await pigeonhole(['migrate', ...flags])
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('up to date (9 migrations, the last 009-webhooks)')

    const created = await pigeonhole(['keys', 'create', '--label', 'ops', '--json', ...flags])
    expect(created.code, created.stderr).toBe(0)
    const admin = JSON.parse(created.stdout) as { id: string; key: string; account: null }
    expect(admin.key).toMatch(/^ph_/)
    expect(admin.account).toBeNull()

    const server = await serve(flags)
    let stopped = false
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      for (const address of ['alice', 'bob']) {
        expect(
          (await call(`${server.url}/accounts`, admin.key, { body: { address } })).status,
        ).toBe(201)
      }
      expect((await call(`${server.url}/accounts`, 'ph_wrong')).status).toBe(401)

      // A key made while the server runs works at once (the server reads keys from the store).
      const bound = await pigeonhole([
        'keys',
        'create',
        '--account',
        'alice',
        '--label',
        "alice's app",
        ...flags,
      ])
      expect(bound.code, bound.stderr).toBe(0)
      expect(bound.stdout).toMatch(/^created key_\S+ \(account alice, label "alice's app"\)$/m)
      expect(bound.stdout).toContain('shown this once')
      const aliceKey = /^ {2}(ph_\S+)$/m.exec(bound.stdout)?.[1] ?? ''
      const aliceId = /^created (key_\S+)/m.exec(bound.stdout)?.[1] ?? ''
      const sent = await call(`${server.url}/messages`, aliceKey, {
        body: { from: 'alice', to: ['bob'], content: { text: 'hello over the CLI server' } },
      })
      expect(sent.status).toBe(201)
      const inbox = await call(`${server.url}/accounts/bob/messages?box=inbox`, admin.key)
      expect(inbox.status).toBe(200)
      expect(
        (inbox.body as { items: { message: { content: unknown } }[] }).items.map(
          (i) => i.message.content,
        ),
      ).toEqual([{ text: 'hello over the CLI server' }])

      const listed = await pigeonhole(['keys', 'list', ...flags])
      expect(listed.code).toBe(0)
      expect(listed.stdout).toMatch(/^id\s+acts as\s+label\s+created\s+status$/m)
      expect(listed.stdout).toMatch(
        new RegExp(`^${admin.id}\\s+admin\\s+ops\\s+\\S+\\s+live$`, 'm'),
      )
      expect(listed.stdout).toMatch(
        new RegExp(`^${aliceId}\\s+account alice\\s+alice's app\\s+\\S+\\s+live$`, 'm'),
      )
      expect(listed.stdout).not.toContain('ph_') // never the secrets

      const revoked = await pigeonhole(['keys', 'revoke', aliceId, ...flags])
      expect(revoked.code, revoked.stderr).toBe(0)
      expect(revoked.stdout).toBe(`revoked ${aliceId} (account alice, label "alice's app")\n`)
      expect((await call(`${server.url}/accounts/alice/boxes`, aliceKey)).status).toBe(401)
      expect((await call(`${server.url}/accounts/alice/boxes`, admin.key)).status).toBe(200)
      const json = await pigeonhole(['keys', 'list', '--json', ...flags])
      const keys = JSON.parse(json.stdout) as { id: string; revokedAt: number | null }[]
      expect(keys.find((k) => k.id === aliceId)?.revokedAt).toEqual(expect.any(Number))
      expect(keys.find((k) => k.id === admin.id)?.revokedAt).toBeNull()

      const unknown = await pigeonhole(['keys', 'revoke', 'key_nope', ...flags])
      expect(unknown.code).toBe(2)
      expect(unknown.stderr).toContain('not_found: admin.apiKeys.revoke: id: no API key "key_nope"')

      const stop = await server.stop()
      stopped = true
      expect(stop.code).toBe(0)
      expect(stop.stderr).toContain('stopped')
    } finally {
      if (!stopped) await server.stop()
    }

    const clean = await pigeonhole(['verify', ...flags])
    expect(clean.stderr).toBe('') // no bar: not a terminal, and not asked for
    expect(clean.code).toBe(0)
    expect(clean.stdout).toBe(
      `${store.describe()}: no differences (counts and versions match a full recount)\n`,
    )

    await store.plantDifference()
    const found = await pigeonhole(['verify', ...flags])
    expect(found.code).toBe(1)
    expect(found.stdout).toContain(
      'count_mismatch owner=bob box=inbox kept={"total":6,"unread":6} recounted={"total":1,"unread":1}',
    )
    expect(found.stdout).toContain(`${store.describe()}: 1 difference\n`)
    const asJson = await pigeonhole(['verify', '--json', '--progress', ...flags])
    expect(asJson.code).toBe(1)
    expect(JSON.parse(asJson.stdout)).toEqual([
      {
        kind: 'count_mismatch',
        details: {
          owner: 'bob',
          box: 'inbox',
          kept: { total: 6, unread: 6 },
          recounted: { total: 1, unread: 1 },
        },
      },
    ])
    // --progress: the bar on stderr even though it is not a terminal, ending at every check.
    expect(asJson.stderr).toMatch(/verify \[.*\] 7\/7 checks/)
  }, 240_000) // about 15 child processes of 1 to 4 s each (tsx on the sources), more on a busy machine
}
