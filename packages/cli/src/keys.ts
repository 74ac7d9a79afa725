import type { ApiKey } from '@pigeonhole/core'
import { exitCodes } from './errors.js'
import type { Output } from './output.js'
import { openEngine, type StoreFlags } from './store.js'

export interface KeysCreateFlags extends StoreFlags {
  account?: string
  label: string
  json?: boolean
}

/** Creates a key and prints it, the only time it is ever shown (the store keeps its hash). */
export async function keysCreate(flags: KeysCreateFlags, io: Output): Promise<number> {
  const { ph } = await openEngine(flags, false)
  try {
    const created = await ph.admin.apiKeys.create({
      ...(flags.account !== undefined && { account: flags.account }),
      label: flags.label,
    })
    if (flags.json) {
      io.out(JSON.stringify(created, null, 2))
    } else {
      io.out(`created ${created.id} (${scope(created)}, label "${created.label}")`)
      io.out('')
      io.out(`  ${created.key}`)
      io.out('')
      io.out('The key is shown this once: the store keeps only its SHA-256. Send it as')
      io.out(
        `"Authorization: Bearer <key>". Revoke it with \`pigeonhole keys revoke ${created.id}\`.`,
      )
    }
    return exitCodes.ok
  } finally {
    await ph.close()
  }
}

export async function keysList(
  flags: StoreFlags & { json?: boolean },
  io: Output,
): Promise<number> {
  const { ph } = await openEngine(flags, false)
  try {
    const keys = await ph.admin.apiKeys.list()
    if (flags.json) {
      io.out(JSON.stringify(keys, null, 2))
      return exitCodes.ok
    }
    if (keys.length === 0) {
      io.out('no API keys (create one with `pigeonhole keys create --label <text>`)')
      return exitCodes.ok
    }
    const rows = keys.map((k) => [
      k.id,
      scope(k),
      k.label,
      new Date(k.createdAt).toISOString(),
      k.revokedAt === null ? 'live' : `revoked ${new Date(k.revokedAt).toISOString()}`,
    ])
    for (const line of table(['id', 'acts as', 'label', 'created', 'status'], rows)) io.out(line)
    return exitCodes.ok
  } finally {
    await ph.close()
  }
}

export async function keysRevoke(id: string, flags: StoreFlags, io: Output): Promise<number> {
  const { ph } = await openEngine(flags, false)
  try {
    const key = await ph.admin.apiKeys.revoke(id)
    io.out(`revoked ${key.id} (${scope(key)}, label "${key.label}")`)
    return exitCodes.ok
  } finally {
    await ph.close()
  }
}

function scope(key: ApiKey): string {
  return key.account === null ? 'admin' : `account ${key.account}`
}

/** Left-aligned columns, two spaces apart. */
function table(head: string[], rows: string[][]): string[] {
  const all = [head, ...rows]
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)))
  return all.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  )
}
