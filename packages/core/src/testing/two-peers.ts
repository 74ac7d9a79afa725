import { openPigeonhole, type Pigeonhole, type PigeonholeOptions } from '../engine.js'
import type { Store } from '../store-port.js'
import type { NetworkFaults } from '../transport/faults.js'
import { ManualClock } from '../transport/manual-clock.js'
import { type MemoryNetwork, memoryNetwork } from '../transport/memory-network.js'
import type { IdGenerator } from '../types.js'

/**
 * `store` kept open across engines: `close()` of the engine does not close it, so an engine
 * reopened on it after `network.crash()` finds everything committed (even on `:memory:`
 * SQLite). `release()` closes it for real.
 */
export function reopenable(store: Store): Store & { release(): Promise<void> } {
  const release = () => store.close()
  return new Proxy(store, {
    get(target, key) {
      if (key === 'close') return async () => {}
      if (key === 'release') return release
      const value = Reflect.get(target, key, target) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    },
  }) as Store & { release(): Promise<void> }
}

/** Ids with the peer in them (`msg_a00000001`): two engines never hand out the same one. */
export class PeerIds implements IdGenerator {
  readonly #peer: string
  #n = 0
  constructor(peer: string) {
    this.#peer = peer
  }
  next(kind: string): string {
    this.#n += 1
    return `${kind}_${this.#peer}${String(this.#n).padStart(8, '0')}`
  }
}

export interface TwoPeersOptions {
  /** Opens a fresh, empty store; called once per peer (kept open across crashes). */
  openStore(): Store | Promise<Store>
  /** The network's seed (default: a random one, `net.seed`). */
  seed?: number
  faults?: NetworkFaults
  /** The clock of the network and both engines. Default: a new `ManualClock`. */
  clock?: ManualClock
  /** More options for both engines (`delivery`, `limits`, ...). */
  engine?: Partial<Omit<PigeonholeOptions, 'store' | 'transport' | 'clock' | 'ids'>>
  /** The peer ids. Default ['a', 'b']. */
  peers?: readonly [string, string]
}

export interface TwoPeers {
  /** The engine of peer a (a handle: after `net.restart('a')` it is the new engine). */
  a: Pigeonhole
  /** The engine of peer b. */
  b: Pigeonhole
  net: MemoryNetwork
  clock: ManualClock
  /** Closes both engines and their stores. */
  close(): Promise<void>
}

/**
 * Two engines on fresh stores on one memory network, sharing a manual clock:
 * `const { a, b, net } = await twoPeers({ openStore: () => sqliteStore({ path: ':memory:' }) })`.
 * Ids carry the peer, the engines' jitter comes from the seed, the stores survive
 * `net.crash('a')` / `net.restart('a')`. Close with `close()`.
 */
export async function twoPeers(options: TwoPeersOptions): Promise<TwoPeers> {
  const clock = options.clock ?? new ManualClock()
  const net = memoryNetwork({
    clock,
    ...(options.seed !== undefined && { seed: options.seed }),
    ...(options.faults !== undefined && { faults: options.faults }),
  })
  const [pa, pb] = options.peers ?? ['a', 'b']
  const stores: (Store & { release(): Promise<void> })[] = []
  const open = async (peer: string) => {
    const store = reopenable(await options.openStore())
    stores.push(store)
    const ids = new PeerIds(peer)
    const more = options.engine ?? {}
    return net.open(peer, (p) =>
      openPigeonhole({
        ...more,
        store,
        clock,
        ids,
        transport: p.transport,
        delivery: { random: p.random, ...more.delivery },
      }),
    )
  }
  const close = async () => {
    try {
      await net.close()
    } finally {
      await Promise.all(stores.map((s) => s.release()))
    }
  }
  try {
    const a = await open(pa)
    const b = await open(pb)
    return { a, b, net, clock, close }
  } catch (error) {
    await close()
    throw error
  }
}
