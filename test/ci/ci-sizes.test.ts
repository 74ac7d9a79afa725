import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

test('CI runs at its own sizes, whatever the caller exported', () => {
  const caller = {
    ...process.env,
    FUZZ_RUNS: '1',
    CRASH_KILLS: '1',
    MP_PROCESSES: '1',
    MP_OPS: '1',
    CRASH_SEED: '7',
  }
  const script =
    '. .ci/sizes.sh; echo "$FUZZ_RUNS $CRASH_KILLS $MP_PROCESSES $MP_OPS $(printenv CRASH_SEED || echo unset)"'
  const out = execFileSync('bash', ['-c', script], { cwd: root, env: caller, encoding: 'utf8' })
  expect(out.trim()).toBe('100 20 3 300 unset')
})

test('.ci/run takes its sizes from .ci/sizes.sh and from nowhere else', () => {
  const run = readFileSync(`${root}/.ci/run`, 'utf8')
  expect(run).toMatch(/^\. \.ci\/sizes\.sh$/m)
  for (const name of ['FUZZ_RUNS', 'CRASH_KILLS', 'MP_PROCESSES', 'MP_OPS', 'CRASH_SEED']) {
    expect(run).not.toContain(name)
  }
})
