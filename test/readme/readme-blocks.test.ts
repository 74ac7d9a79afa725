import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, test, vi } from 'vitest'
import { codeBlocks } from './code-blocks.js'
import { typeCheck } from './type-check.js'

// Every ```ts block of the READMEs (and of docs/) is type-checked against the workspace sources, so the docs
// cannot drift from the API; the blocks marked `<!-- run -->` (the root README's tour) also
// run end to end. A block that is part of a program is marked `<!-- fragment -->`, with the
// declarations it needs: see code-blocks.ts.
const root = fileURLToPath(new URL('../..', import.meta.url))
const packages = readdirSync(join(root, 'packages')).map((p) =>
  join(root, 'packages', p, 'README.md'),
)
const docs = readdirSync(join(root, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => join(root, 'docs', f))
const blocks = codeBlocks(root, [join(root, 'README.md'), ...packages, ...docs])
const name = (i: number) => `${blocks[i]?.readme}:${blocks[i]?.line}`

describe('README code blocks', () => {
  let errors: string[][] | undefined
  const check = () => {
    errors ??= typeCheck(root, blocks)
    return errors
  }

  test('there are blocks to check, and the root README tour is one that runs', () => {
    expect(blocks.length).toBeGreaterThan(5)
    expect(blocks.filter((b) => b.run).map((b) => b.readme)).toContain('README.md')
  })

  test('fragments are few and explicit', () => {
    // A fragment is checked with `ph` and its declarations assumed: keep them the exception.
    expect(blocks.filter((b) => b.fragment !== undefined).length).toBeLessThanOrEqual(8)
  })

  test.each(blocks.map((_, i) => [name(i), i] as const))(
    '%s type-checks',
    (_, i) => {
      expect(check()[i]).toEqual([])
    },
    120_000,
  )

  const runnable = blocks.flatMap((b, i) => (b.run ? [[name(i), i] as const] : []))
  test.each(runnable)(
    '%s runs end to end',
    async (_, i) => {
      const block = blocks[i]!
      // Under the repository root, so that its imports resolve like the type check's.
      const dir = mkdtempSync(join(root, 'test', 'readme', '.run-'))
      const file = join(dir, 'block.ts')
      const log = vi.spyOn(console, 'log').mockImplementation(() => {})
      try {
        const code = block.code.replaceAll(`'app.db'`, JSON.stringify(join(dir, 'app.db')))
        writeFileSync(file, `${code}\nexport {}\n`)
        await import(pathToFileURL(file).href)
        expect(log).toHaveBeenCalled()
      } finally {
        log.mockRestore()
        rmSync(dir, { recursive: true, force: true })
      }
    },
    60_000,
  )
})
