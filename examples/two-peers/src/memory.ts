// Both engines in this process, wired by memoryNetwork(): the test-harness way.
import { memoryNetwork, openPigeonhole } from '@pigeonhole/core'
import { sqliteStore } from '@pigeonhole/store-sqlite'
import { type BobOutcome, bobAnswers, type Log, type ShopOutcome, shopAsks } from './roles.js'

export async function runInMemory(log: Log): Promise<{ shop: ShopOutcome; bob: BobOutcome }> {
  const net = memoryNetwork()
  const a = await openPigeonhole({
    store: sqliteStore({ path: ':memory:' }),
    transport: net.transport('a'),
  })
  const b = await openPigeonhole({
    store: sqliteStore({ path: ':memory:' }),
    transport: net.transport('b'),
  })
  try {
    await a.accounts.register({ address: 'shop' })
    await b.accounts.register({ address: 'bob' })
    log('memory: peers a (shop) and b (bob) in one process')
    const bobDone = bobAnswers(b, (line) => log(`[b] ${line}`))
    const shop = await shopAsks(a, (line) => log(`[a] ${line}`))
    const bob = await bobDone
    await net.settle()
    return { shop, bob }
  } finally {
    await Promise.all([a.close(), b.close()])
  }
}
