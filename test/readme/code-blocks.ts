import { readFileSync } from 'node:fs'
import { relative } from 'node:path'

/** A ```ts block of a README, with the markers on the lines just above its fence. */
export interface CodeBlock {
  /** The README, relative to the repository root, and the block's first code line (1-based). */
  readme: string
  line: number
  code: string
  /**
   * `<!-- fragment -->` or `<!-- fragment: <TypeScript declarations> -->`: part of a program,
   * checked with `ph` (a Pigeonhole) and the given declarations in scope.
   */
  fragment?: string
  /** `<!-- run -->`: run end to end by the test (a file path 'app.db' becomes a temp file). */
  run: boolean
}

const marker = /^<!--\s*(fragment|run)(?::\s*(.*?))?\s*-->$/

/** Every ```ts block of the given README files. */
export function codeBlocks(root: string, files: string[]): CodeBlock[] {
  const blocks: CodeBlock[] = []
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n')
    for (let i = 0; i < lines.length; i++) {
      if (!/^```(ts|typescript)\s*$/.test(lines[i] ?? '')) continue
      const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l))
      if (end < 0) throw new Error(`${file}:${i + 1}: a code block that never ends`)
      const block: CodeBlock = {
        readme: relative(root, file),
        line: i + 2,
        code: lines.slice(i + 1, end).join('\n'),
        run: false,
      }
      for (let j = i - 1; j >= 0; j--) {
        const found = marker.exec((lines[j] ?? '').trim())
        if (!found) break
        if (found[1] === 'run') block.run = true
        else block.fragment = found[2] ?? ''
      }
      blocks.push(block)
      i = end
    }
  }
  return blocks
}
