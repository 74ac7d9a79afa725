import { Command, CommanderError, Option } from 'commander'
import { exitCodes, UsageError } from './errors.js'
import type { InspectFlags } from './inspect.js'
import type { KeysCreateFlags } from './keys.js'
import { type Output, processOutput } from './output.js'
import type { ServeFlags } from './serve.js'
import { type StoreFlags, withStoreOptions } from './store-options.js'
import type { VerifyFlags } from './verify.js'

// The commands load the engine, the stores and the REST API only when they run, so that
// `--help` and usage errors answer at once.
const commands = {
  serve: () => import('./serve.js'),
  verify: () => import('./verify.js'),
  migrate: () => import('./migrate.js'),
  keys: () => import('./keys.js'),
  inspect: () => import('./inspect.js'),
}

const storeHelp = `
The store: --sqlite <file>, or --database-url <url> (default $DATABASE_URL) with --schema.
Exit codes: 0 done, 1 verify found differences, 2 trouble (a usage error, a failure).`

/** The `pigeonhole` program; `run` sets the exit code its action ended with. */
function program(io: Output, done: (code: number) => void): Command {
  const run =
    <A extends unknown[]>(action: (...args: A) => Promise<number>) =>
    async (...args: A) => {
      done(await action(...args))
    }
  const root = new Command('pigeonhole')
    .description(
      'Pigeonhole from the command line: serve the REST API, inspect, verify, migrate, API keys',
    )
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
    })
    .showHelpAfterError('(add --help for usage)')
    .allowExcessArguments(false)
    .addHelpText('after', storeHelp)

  withStoreOptions(
    root
      .command('serve')
      .description('open the engine and serve the REST API (@pigeonhole/transport-http)')
      .option('--port <number>', 'the port (0: a free one)', '3000')
      .option('--host <address>', 'the address to listen on', '127.0.0.1')
      .option(
        '--webhook <url>',
        'push every event to this URL as a Standard Webhooks POST, signed with $PIGEONHOLE_WEBHOOK_SECRET',
      ),
  )
    .addHelpText(
      'after',
      `${storeHelp}\n\nExample:\n  npx pigeonhole serve --sqlite app.db\n  DATABASE_URL=postgres://me@db/app npx pigeonhole serve --port 8080\n  PIGEONHOLE_WEBHOOK_SECRET=whsec_... npx pigeonhole serve --sqlite app.db --webhook https://example.com/hook`,
    )
    .action(run(async (flags: ServeFlags) => (await commands.serve()).serveCommand(flags, io)))

  withStoreOptions(
    root
      .command('inspect')
      .description('open the engine and serve the inspector page (@pigeonhole/inspector)')
      .argument('[store]', 'a SQLite file or a postgres:// URL (or give the store options)')
      .option('--port <number>', 'the port (0: a free one)', '0')
      .option('--host <address>', 'the address to listen on', '127.0.0.1')
      .option('--allow-writes', 'add send, mark read and accept/reject to the page'),
  )
    .addHelpText(
      'after',
      `${storeHelp}\n\nThe page is signed in by the key in the printed URL (made for this run, kept in memory).\n\nExample:\n  npx pigeonhole inspect app.db\n  npx pigeonhole inspect postgres://me@db/app --port 8081 --allow-writes`,
    )
    .action(
      run(async (store: string | undefined, flags: InspectFlags) =>
        (await commands.inspect()).inspectCommand(store, flags, io),
      ),
    )

  withStoreOptions(
    root
      .command('verify')
      .description('recount what the engine keeps (ph.verify()); exit code 1 on differences')
      .option('--json', 'print the differences as JSON')
      .addOption(new Option('--progress', 'always show the progress bar (on stderr)'))
      .addOption(new Option('--no-progress', 'never show the progress bar')),
  )
    .addHelpText(
      'after',
      `${storeHelp}\n\nA progress bar shows on a terminal when verify runs longer than a moment.\n\nExample:\n  npx pigeonhole verify --sqlite app.db`,
    )
    .action(run(async (flags: VerifyFlags) => (await commands.verify()).verifyCommand(flags, io)))

  withStoreOptions(
    root.command('migrate').description('bring the schema up to date and say which migrations ran'),
  )
    .addHelpText('after', `${storeHelp}\n\nExample:\n  npx pigeonhole migrate --sqlite app.db`)
    .action(run(async (flags: StoreFlags) => (await commands.migrate()).migrateCommand(flags, io)))

  const keys = root
    .command('keys')
    .description('API keys of the REST API: create, list, revoke')
    .addHelpText('after', storeHelp)
  withStoreOptions(
    keys
      .command('create')
      .description('create a key and print it (shown this once; the store keeps its hash)')
      .requiredOption('--label <text>', 'what the key is for (shown in lists)')
      .option('--account <address>', 'bind the key to this account (default: an admin key)')
      .option('--json', 'print the key and its record as JSON'),
  )
    .addHelpText(
      'after',
      `${storeHelp}\n\nExamples:\n  npx pigeonhole keys create --label ops --sqlite app.db\n  npx pigeonhole keys create --account alice --label "alice's app" --sqlite app.db`,
    )
    .action(run(async (flags: KeysCreateFlags) => (await commands.keys()).keysCreate(flags, io)))
  withStoreOptions(
    keys
      .command('list')
      .description('list the keys (never their secrets), revoked ones too')
      .option('--json', 'print the list as JSON'),
  )
    .addHelpText('after', `${storeHelp}\n\nExample:\n  npx pigeonhole keys list --sqlite app.db`)
    .action(
      run(async (flags: StoreFlags & { json?: boolean }) =>
        (await commands.keys()).keysList(flags, io),
      ),
    )
  withStoreOptions(
    keys
      .command('revoke')
      .description('revoke a key by its id: it stops working at once')
      .argument('<id>', 'the key id (key_...), from `keys create` or `keys list`'),
  )
    .addHelpText(
      'after',
      `${storeHelp}\n\nExample:\n  npx pigeonhole keys revoke key_01JD... --sqlite app.db`,
    )
    .action(
      run(async (id: string, flags: StoreFlags) =>
        (await commands.keys()).keysRevoke(id, flags, io),
      ),
    )
  return root
}

/**
 * Runs the `pigeonhole` command with `argv` (the arguments after the program name) and
 * resolves with the exit code. Never throws: errors are printed to stderr.
 */
export async function main(argv: readonly string[], io: Output = processOutput): Promise<number> {
  let code: number = exitCodes.ok
  const cli = program(io, (c) => {
    code = c
  })
  try {
    await cli.parseAsync([...argv], { from: 'user' })
    return code
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with 0; commander has already printed its message otherwise.
      return error.exitCode === 0 ? exitCodes.ok : exitCodes.trouble
    }
    io.err(`pigeonhole: ${describeError(error)}`)
    return exitCodes.trouble
  }
}

function describeError(error: unknown): string {
  if (error instanceof UsageError) return `${error.message} (add --help for usage)`
  if (error instanceof Error && error.name === 'PigeonholeError' && 'code' in error) {
    return `${String(error.code)}: ${error.message}` // the engine's code and message
  }
  return error instanceof Error ? error.message : String(error)
}
