import { randomBytes } from 'node:crypto'
import { serveInspector } from '@pigeonhole/inspector'
import { exitCodes, UsageError } from './errors.js'
import type { Output } from './output.js'
import { untilStopped } from './signals.js'
import { openEngine, type StoreFlags } from './store.js'

export interface InspectFlags extends StoreFlags {
  port: string
  host: string
  allowWrites?: boolean
}

/** The positional store: a PostgreSQL URL, or a SQLite file. */
export function storeOfArgument(store: string | undefined, flags: StoreFlags): StoreFlags {
  if (store === undefined) return flags
  if (flags.sqlite !== undefined || flags.databaseUrl !== undefined) {
    throw new UsageError('give the store once: as the argument, or --sqlite / --database-url')
  }
  return /^postgres(ql)?:\/\//i.test(store)
    ? { ...flags, databaseUrl: store }
    : { ...flags, sqlite: store }
}

/**
 * Opens the engine and serves the inspector on `host` (127.0.0.1) until SIGINT or SIGTERM.
 * The page's key is made now, kept in this process only (a static admin key, never stored),
 * and printed in the URL's fragment: whoever has the URL sees everything, no one else.
 */
export async function inspectCommand(
  store: string | undefined,
  given: InspectFlags,
  io: Output,
): Promise<number> {
  const flags = { ...given, ...storeOfArgument(store, given) }
  const port = Number(flags.port)
  if (!/^\d+$/.test(flags.port) || port > 65535) {
    throw new UsageError(`--port: expected a port number from 0 to 65535, got "${flags.port}"`)
  }
  const { ph, describe } = await openEngine(flags, false)
  const key = `phi_${randomBytes(24).toString('base64url')}`
  let server: Awaited<ReturnType<typeof serveInspector>>
  try {
    server = await serveInspector({
      engines: ph,
      keys: [{ key, id: 'inspector' }],
      allowWrites: flags.allowWrites === true,
      port,
      host: flags.host,
    })
  } catch (error) {
    await ph.close()
    throw error
  }
  io.out(`Pigeonhole inspector on ${server.url}#key=${key}`)
  io.out(
    `  ${describe}, ${flags.allowWrites ? 'writes allowed (send, mark read, accept/reject)' : 'read-only (--allow-writes to send, mark read, accept/reject)'}`,
  )
  io.out('  open the whole URL: the key after # signs the page in (it is made for this run only)')
  io.out('  Ctrl-C stops it')
  await untilStopped()
  io.err('stopping: closing the server and the engine')
  await server.close()
  await ph.close()
  io.err('stopped')
  return exitCodes.ok
}
