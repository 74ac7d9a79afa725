import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, expect, test } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'pigeonhole-npx-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** This process's environment less the test run's own resolution settings. */
function plainEnv() {
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  for (const name of Object.keys(env)) if (name.startsWith('VITEST')) delete env[name]
  return env
}

// After `npm install` (which links the workspace bin and whose `prepare` builds dist/), a
// newcomer types `npx pigeonhole serve --sqlite app.db` at the root: the built CLI, no tsx.
test('npx pigeonhole resolves the built bin: --help, and serve --sqlite app.db answers', async () => {
  const env = plainEnv()
  const resolved = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', "console.log(import.meta.resolve('@pigeonhole/cli'))"],
    { cwd: root, env },
  )
  expect(resolved.stdout.trim()).toMatch(/\/packages\/cli\/dist\/index\.js$/)

  const help = await promisify(execFile)('npx', ['pigeonhole', '--help'], { cwd: root, env })
  expect(help.stdout).toContain('Usage: pigeonhole [options] [command]')

  // At the root, where npm linked the bin (elsewhere npx would look in the registry).
  const file = join(dir, 'app.db')
  const server = spawn('npx', ['pigeonhole', 'serve', '--sqlite', file, '--port', '0'], {
    cwd: root,
    env,
    detached: true, // its own process group: npx, its shell and node stop together
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<void>((resolve) => server.on('close', () => resolve()))
  let out = ''
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL in 30 s:\n${out}`)), 30_000)
      server.stderr.on('data', (c: Buffer) => {
        out += c.toString('utf8')
      })
      server.stdout.on('data', (c: Buffer) => {
        out += c.toString('utf8')
        // The whole banner (its last line says how to stop it), not just the URL line: the
        // lines after it may come in a later chunk.
        const found = /REST API on (http:\/\/\S+)/.exec(out)?.[1]
        if (found && out.includes('Ctrl-C stops it')) {
          clearTimeout(timer)
          resolve(found)
        }
      })
      void exited.then(() => reject(new Error(`npx pigeonhole serve exited:\n${out}`)))
    })
    expect(out).toContain('no live API key yet')
    const res = await fetch(`${url}/openapi.json`)
    expect(res.status).toBe(200)
    expect(((await res.json()) as { openapi: string }).openapi).toMatch(/^3\.1/)
    expect((await fetch(`${url}/accounts`)).status).toBe(401)
  } finally {
    if (server.exitCode === null && server.pid !== undefined) process.kill(-server.pid, 'SIGTERM')
    await exited
  }
}, 60_000)
