import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { newWebhookSecret } from '@pigeonhole/transport-http'
import { Webhook } from 'standardwebhooks'
import { afterAll, expect, test, vi } from 'vitest'
import { call, pigeonhole, serve } from './cli.js'

vi.setConfig({ testTimeout: 120_000 })

const dir = mkdtempSync(join(tmpdir(), 'pigeonhole-cli-webhook-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A receiver on 127.0.0.1 that keeps every POST it gets and answers 204. */
async function receiver() {
  const got: { headers: IncomingHttpHeaders; body: string }[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8')
    })
    req.on('end', () => {
      got.push({ headers: req.headers, body })
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hook`,
    got,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

test('serve --webhook pushes every event to the URL, signed so standardwebhooks verifies it', async () => {
  const file = join(dir, 'hooked.db')
  expect((await pigeonhole(['migrate', '--sqlite', file])).code).toBe(0)
  const created = await pigeonhole(['keys', 'create', '--label', 'ops', '--json', '--sqlite', file])
  expect(created.code, created.stderr).toBe(0)
  const { key } = JSON.parse(created.stdout) as { key: string }
  const hook = await receiver()
  const secret = newWebhookSecret()
  const server = await serve(['--sqlite', file, '--webhook', hook.url], {
    PIGEONHOLE_WEBHOOK_SECRET: secret,
  })
  try {
    expect((await call(`${server.url}/accounts`, key, { body: { address: 'alice' } })).status).toBe(
      201,
    )
    await vi.waitFor(() => expect(hook.got.length).toBeGreaterThan(0), { timeout: 30_000 })
    const [first] = hook.got
    const verified = new Webhook(secret).verify(first!.body, {
      'webhook-id': String(first!.headers['webhook-id']),
      'webhook-timestamp': String(first!.headers['webhook-timestamp']),
      'webhook-signature': String(first!.headers['webhook-signature']),
    }) as { type: string }
    expect(verified.type).toBe('account.registered')
  } finally {
    const run = await server.stop()
    expect(run.code, run.stderr).toBe(0)
    await hook.close()
  }
})

test('serve --webhook without $PIGEONHOLE_WEBHOOK_SECRET is a usage error naming the variable', async () => {
  const run = await pigeonhole(
    [
      'serve',
      '--port',
      '0',
      '--sqlite',
      join(dir, 'plain.db'),
      '--webhook',
      'http://127.0.0.1:9/x',
    ],
    { unset: ['PIGEONHOLE_WEBHOOK_SECRET'] },
  )
  expect(run.code).toBe(2)
  expect(run.stderr).toMatch(
    /--webhook: expected the signing secret in \$PIGEONHOLE_WEBHOOK_SECRET/,
  )
})
