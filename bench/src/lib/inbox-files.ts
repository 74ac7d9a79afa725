import { join } from 'node:path'
import { openPigeonhole } from '@pigeonhole/core'
import { sqliteStore } from '@pigeonhole/store-sqlite'
import { bulkMessages, createEngineFile } from './bulk-fill.js'

/** Boxes up to this size are recounted with `verify()` after the fill (larger ones take long). */
const verifyUpTo = 100_000

/** `1000` → `1k`, `1000000` → `1M`. */
export function shortSize(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`
  if (n >= 1000 && n % 1000 === 0) return `${n / 1000}k`
  return String(n)
}

/**
 * An engine file in which bob's inbox holds `size` messages from alice (and alice's `sent`
 * box the same), built with raw bulk INSERTs (see bulk-fill.ts): 1M in about 15 s instead
 * of minutes through `sendMany`. Up to 100k, `verify()` confirms the engine finds its counts
 * consistent with the rows; always, `boxes.counts` must report the size.
 */
export async function buildInbox(
  dir: string,
  size: number,
  log: (line: string) => void,
): Promise<string> {
  const path = join(dir, `inbox-${size}.db`)
  await createEngineFile(path)
  const ph = await openPigeonhole({ store: sqliteStore({ path }) })
  await ph.accounts.register({ address: 'alice' })
  await ph.accounts.register({ address: 'bob' })
  await ph.close()
  const started = performance.now()
  bulkMessages(path, { from: 'alice', to: ['bob'], count: size })
  const filled = performance.now() - started
  const check = await openPigeonhole({ store: sqliteStore({ path }) })
  try {
    const counts = await check.boxes.counts('bob')
    if (counts.inbox?.total !== size) {
      throw new Error(`inbox of ${size}: boxes.counts says ${JSON.stringify(counts.inbox)}`)
    }
    if (size <= verifyUpTo) {
      const differences = await check.verify()
      if (differences.length > 0) {
        throw new Error(`inbox of ${size}: verify() found ${JSON.stringify(differences[0])}`)
      }
    }
  } finally {
    await check.close()
  }
  const verified = size <= verifyUpTo ? ', verify() clean' : ''
  log(`inbox of ${shortSize(size)} built in ${(filled / 1000).toFixed(1)} s${verified}`)
  return path
}
