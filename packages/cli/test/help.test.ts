import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { pigeonhole } from './cli.js'

describe('pigeonhole --help', () => {
  const commands: [string[], string[]][] = [
    [[], ['serve', 'inspect', 'verify', 'migrate', 'keys', 'Exit codes']],
    [
      ['inspect'],
      [
        '[store]',
        '--port <number>',
        '--allow-writes',
        '--host <address>',
        'npx pigeonhole inspect app.db',
      ],
    ],
    [
      ['serve'],
      [
        '--sqlite <file>',
        '--database-url <url>',
        '--port <number>',
        '--host <address>',
        'npx pigeonhole serve --sqlite app.db',
      ],
    ],
    [
      ['verify'],
      ['--sqlite <file>', '--json', '--progress', '--no-progress', 'exit code 1 on differences'],
    ],
    [['migrate'], ['--sqlite <file>', '--schema <name>', 'which migrations ran']],
    [['keys'], ['create', 'list', 'revoke']],
    [
      ['keys', 'create'],
      ['--label <text>', '--account <address>', '--json', '--sqlite <file>'],
    ],
    [
      ['keys', 'list'],
      ['--json', '--database-url <url>'],
    ],
    [
      ['keys', 'revoke'],
      ['<id>', '--sqlite <file>'],
    ],
  ]
  it.each(commands)('pigeonhole %j --help', async (command, words) => {
    const run = await pigeonhole([...command, '--help'])
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    expect(run.stdout).toContain(
      `Usage: pigeonhole${command.map((c) => ` ${c}`).join('')} [options]`,
    )
    for (const word of words) expect(run.stdout).toContain(word)
  })
})

// Each case starts one to four child processes (tsx on the sources): room for a busy machine.
describe('pigeonhole: usage errors exit with 2 and say what is wrong', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pigeonhole-cli-errors-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('an unknown option', async () => {
    const run = await pigeonhole(['verify', '--sqlit', 'app.db'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain("error: unknown option '--sqlit'")
    expect(run.stderr).toContain('(Did you mean --sqlite?)')
    expect(run.stdout).toBe('')
  })

  it('an unknown command', async () => {
    const run = await pigeonhole(['serv'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain("error: unknown command 'serv'")
  })

  it('no store given, and no DATABASE_URL', async () => {
    for (const command of [['verify'], ['migrate'], ['serve'], ['keys', 'list']]) {
      const run = await pigeonhole(command, { unset: ['DATABASE_URL'] })
      expect(run.code, command.join(' ')).toBe(2)
      expect(run.stderr).toBe(
        'pigeonhole: no store: give --sqlite <file> or --database-url <url> (or set DATABASE_URL) (add --help for usage)\n',
      )
    }
  })

  it('a SQLite file that does not exist (verify and keys do not make one)', async () => {
    const missing = join(dir, 'missing.db')
    const run = await pigeonhole(['verify', '--sqlite', missing])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(`--sqlite: no file ${missing}`)
    const keys = await pigeonhole(['keys', 'create', '--label', 'x', '--sqlite', missing])
    expect(keys.code).toBe(2)
  })

  it('both stores, a missing --label, a bad port, a missing key id', async () => {
    const both = await pigeonhole([
      'verify',
      '--sqlite',
      'a.db',
      '--database-url',
      'postgres://x/y',
    ])
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('give either --sqlite or --database-url, not both')
    const label = await pigeonhole(['keys', 'create', '--sqlite', 'a.db'])
    expect(label.code).toBe(2)
    expect(label.stderr).toContain("error: required option '--label <text>' not specified")
    const port = await pigeonhole(['serve', '--sqlite', join(dir, 'p.db'), '--port', 'http'])
    expect(port.code).toBe(2)
    expect(port.stderr).toContain('--port: expected a port number from 0 to 65535, got "http"')
    const id = await pigeonhole(['keys', 'revoke', '--sqlite', 'a.db'])
    expect(id.code).toBe(2)
    expect(id.stderr).toContain("error: missing required argument 'id'")
  })

  it('an unreachable PostgreSQL is trouble (2), not differences (1)', async () => {
    const run = await pigeonhole(['verify', '--database-url', 'postgres://nobody@127.0.0.1:1/none'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^pigeonhole: store_error: /)
  })
})
