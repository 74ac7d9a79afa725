import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, test } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const script = fileURLToPath(new URL('./fixtures/send-one.ts', import.meta.url))

// After `npm install` (whose `prepare` builds dist/), a user's script imports the packages
// with plain `npx tsx`: no --conditions=source, no `npm run build` first.
test('a script of your own imports @pigeonhole/core and store-sqlite with plain npx tsx', async () => {
  // Nothing of the test run's own resolution may leak into the child.
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  for (const name of Object.keys(env)) if (name.startsWith('VITEST')) delete env[name]
  const { stdout } = await promisify(execFile)('npx', ['tsx', script], { cwd: root, env }).catch(
    (error: { stderr?: string; message: string }) => {
      throw new Error(
        `npx tsx ${script} failed (is dist/ built? \`npm install\` builds it, and so does ` +
          `\`npm run build\`):\n${error.stderr ?? error.message}`,
      )
    },
  )
  const result = JSON.parse(stdout.trim().split('\n').pop() ?? '')
  expect(result.texts).toEqual(['Hello Bob'])
  expect(result.core).toMatch(/\/packages\/core\/dist\/index\.js$/)
  expect(result.sqlite).toMatch(/\/packages\/store-sqlite\/dist\/index\.js$/)
}, 60_000)
