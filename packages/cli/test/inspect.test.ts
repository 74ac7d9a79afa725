import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openPigeonhole } from '@pigeonhole/core'
import { sqliteStore } from '@pigeonhole/store-sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pigeonhole, type Serving, startServing } from './cli.js'

const banner = /Pigeonhole inspector on (http:\/\/\S+)/

/** Starts `pigeonhole inspect ...args`; the URL carries the page's key after `#key=`. */
const inspect = (args: string[]) => startServing(['inspect', '--port', '0', ...args], {}, banner)

/** Signs in with the key of the URL, as the page does; answers the session cookie. */
async function signIn(server: Serving): Promise<{ base: string; cookie: string }> {
  const url = new URL(server.url)
  const key = new URLSearchParams(url.hash.slice(1)).get('key')!
  const base = `${url.origin}${url.pathname}`
  const res = await fetch(`${base}session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key }),
  })
  expect(res.status).toBe(200)
  return { base, cookie: res.headers.get('set-cookie')!.split(';')[0]! }
}

describe('pigeonhole inspect', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pigeonhole-inspect-'))
  const file = join(dir, 'app.db')
  beforeAll(async () => {
    const ph = await openPigeonhole({ store: sqliteStore({ path: file }) })
    await ph.accounts.register({ address: 'alice' })
    await ph.accounts.register({ address: 'bob' })
    await ph.messages.send({ from: 'alice', to: ['bob'], content: { text: 'hello' } })
    await ph.close()
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('serves the page on 127.0.0.1 read-only; the printed key signs in, nothing else does', async () => {
    const server = await inspect([file])
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#key=phi_[\w-]{32}$/)
      const page = await fetch(server.url)
      expect(page.status).toBe(200)
      expect(await page.text()).toMatch(/<title>Pigeonhole inspector<\/title>/)
      const { base, cookie } = await signIn(server)
      expect((await fetch(`${base}info`)).status).toBe(401)
      const info = await (await fetch(`${base}info`, { headers: { cookie } })).json()
      expect(info).toMatchObject({ allowWrites: false, engines: [{ name: 'main' }] })
      const boxes = await fetch(`${base}engines/main/accounts/bob/boxes`, { headers: { cookie } })
      expect(await boxes.json()).toContainEqual({ name: 'inbox', total: 1, unread: 1 })
      const write = await fetch(`${base}engines/main/messages`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ from: 'alice', to: ['bob'], content: { text: 'no' } }),
      })
      expect(write.status).toBe(403)
    } finally {
      const run = await server.stop()
      expect(run.code).toBe(0)
      expect(run.stdout).toMatch(/read-only/)
    }
  })

  it('--allow-writes lets the page send; the store can also be a flag', async () => {
    const server = await inspect(['--sqlite', file, '--allow-writes'])
    try {
      const { base, cookie } = await signIn(server)
      const write = await fetch(`${base}engines/main/messages`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ from: 'alice', to: ['bob'], content: { text: 'yes' } }),
      })
      expect(write.status).toBe(201)
    } finally {
      expect((await server.stop()).stdout).toMatch(/writes allowed/)
    }
  })

  it('refuses a missing file, two stores and a bad port, with exit code 2', async () => {
    const missing = await pigeonhole(['inspect', join(dir, 'nope.db')])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/no file .*nope\.db/)
    const both = await pigeonhole(['inspect', file, '--sqlite', file])
    expect(both.code).toBe(2)
    expect(both.stderr).toMatch(/give the store once/)
    const port = await pigeonhole(['inspect', file, '--port', 'x'])
    expect(port.code).toBe(2)
    expect(port.stderr).toMatch(/--port/)
  })
})
