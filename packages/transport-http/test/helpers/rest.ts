import { openPigeonhole, type Pigeonhole, type PigeonholeOptions } from '@pigeonhole/core'
import { sqliteStore } from '@pigeonhole/store-sqlite'
import { type RestServer, serveRest } from '../../src/index.js'

/** An answer; `body` is read loosely (JSON or text) in tests. */
// biome-ignore lint/suspicious/noExplicitAny: test answers are read loosely
export type Answer = { status: number; headers: Headers; body: any }

export interface RestFixture {
  ph: Pigeonhole
  server: RestServer
  admin: string
  alice: string
  bob: string
  /** fetch with the key (admin by default), JSON bodies. */
  call(
    method: string,
    path: string,
    options?: {
      key?: string | null
      body?: unknown
      headers?: Record<string, string>
      raw?: string | Uint8Array
    },
  ): Promise<Answer>
  close(): Promise<void>
}

/** An engine on in-memory SQLite with alice and bob, an admin key and keys bound to each. */
export async function restFixture(extra: Partial<PigeonholeOptions> = {}): Promise<RestFixture> {
  let now = 1_700_000_000_000
  const ph = await openPigeonhole({
    store: sqliteStore({ path: ':memory:' }),
    clock: { now: () => now++ },
    ...extra,
  })
  await ph.accounts.register({ address: 'alice' })
  await ph.accounts.register({ address: 'bob' })
  const admin = (await ph.admin.apiKeys.create({ label: 'admin' })).key
  const alice = (await ph.admin.apiKeys.create({ account: 'alice', label: 'alice' })).key
  const bob = (await ph.admin.apiKeys.create({ account: 'bob', label: 'bob' })).key
  const server = await serveRest(ph, { port: 0, heartbeatMs: 200 })
  return {
    ph,
    server,
    admin,
    alice,
    bob,
    async call(method, path, options = {}) {
      const key = options.key === undefined ? admin : options.key
      const headers: Record<string, string> = { ...options.headers }
      if (key !== null) headers.authorization = `Bearer ${key}`
      let body: string | Uint8Array | undefined = options.raw
      if (options.body !== undefined) {
        body = JSON.stringify(options.body)
        headers['content-type'] = 'application/json'
      }
      const res = await fetch(server.url + path, { method, headers, body })
      const type = res.headers.get('content-type') ?? ''
      const parsed = type.includes('json') ? await res.json() : await res.text()
      return { status: res.status, headers: res.headers, body: parsed }
    },
    async close() {
      await server.close()
      await ph.close()
    },
  }
}
