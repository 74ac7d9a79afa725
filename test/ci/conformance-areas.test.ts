import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { conformanceAreas } from '@pigeonhole/core/testing'
import { expect, test } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const stores = readdirSync(join(root, 'packages')).filter((p) => p.startsWith('store-'))

/** The areas one test file runs: those of `areas: [...]`, all of them without it. */
function areasOf(source: string): string[] {
  const calls = source.match(/runConformanceSuite\(/g) ?? []
  if (calls.length !== 1)
    throw new Error(`expected one runConformanceSuite call, got ${calls.length}`)
  const listed = /areas:\s*\[([^\]]*)\]/.exec(source)
  if (!listed) return [...conformanceAreas]
  return [...(listed[1] ?? '').matchAll(/'([a-z-]+)'/g)].map((m) => m[1] ?? '')
}

test.each(stores)('%s runs every area of the conformance suite, each once', (store) => {
  const dir = join(root, 'packages', store, 'test')
  const files = readdirSync(dir).filter((f) => /^conformance.*\.test\.ts$/.test(f))
  const areas = files.flatMap((f) => areasOf(readFileSync(join(dir, f), 'utf8')))
  expect(areas.sort()).toEqual([...conformanceAreas].sort())
})
