import type { Pigeonhole } from '../engine.js'
import type { MemoryNetwork } from './memory-network.js'
import type { Transport } from './port.js'
import type { SteppableClock } from './wire-timers.js'

/** What `network.open(peer, open)` gives `open`, each time it (re)opens the peer's engine. */
export interface PeerContext {
  peerId: string
  /** The peer's transport on the network: pass it as `openPigeonhole({ transport })`. */
  transport: Transport
  /** The network's clock, if it has one: pass it as `openPigeonhole({ clock })`. */
  clock: SteppableClock | undefined
  /** A random source from the network's seed: pass it as `delivery.random` for replays. */
  random: () => number
  /** 0 on the first open, then 1, 2, ... after each crash. */
  incarnation: number
}

/** Opens (or reopens, after a crash) a peer's engine on that peer's store. */
export type OpenPeer = (peer: PeerContext) => Promise<Pigeonhole>

interface Peer {
  open: OpenPeer
  engine: Pigeonhole
  handle: Pigeonhole
  crashed: boolean
  closed: boolean
}

/** The engines the network opened, with their `open` kept for restarts. */
export class PeerHandles {
  readonly #net: MemoryNetwork
  readonly #peers = new Map<string, Peer>()

  constructor(net: MemoryNetwork) {
    this.#net = net
  }

  async open(peerId: string, open: OpenPeer): Promise<Pigeonhole> {
    const existing = this.#peers.get(peerId)
    if (existing && !existing.closed) {
      throw new Error(`memoryNetwork.open: peer "${peerId}" is open already`)
    }
    const engine = await open(this.#context(peerId, 0))
    const peer: Peer = {
      open,
      engine,
      handle: undefined as unknown as Pigeonhole,
      crashed: false,
      closed: false,
    }
    peer.handle = handleOf(peer, () => this.#close(peerId))
    this.#peers.set(peerId, peer)
    return peer.handle
  }

  handle(peerId: string): Pigeonhole {
    return this.#peer(peerId, 'engine').handle
  }

  async crash(peerId: string): Promise<void> {
    const peer = this.#peer(peerId, 'crash')
    if (peer.crashed) throw new Error(`memoryNetwork.crash: peer "${peerId}" is down already`)
    peer.crashed = true
    await peer.engine.close()
  }

  async restart(peerId: string, incarnation: number): Promise<Pigeonhole> {
    const peer = this.#peer(peerId, 'restart')
    if (!peer.crashed) throw new Error(`memoryNetwork.restart: peer "${peerId}" did not crash`)
    peer.engine = await peer.open(this.#context(peerId, incarnation))
    peer.crashed = false
    return peer.handle
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#peers.keys()].map((p) => this.#close(p)))
  }

  async #close(peerId: string): Promise<void> {
    const peer = this.#peers.get(peerId)
    if (!peer || peer.closed) return
    peer.closed = true
    this.#net.abandon(peerId, 'closed')
    await peer.engine.close()
  }

  #peer(peerId: string, what: string): Peer {
    const peer = this.#peers.get(peerId)
    if (!peer || peer.closed) {
      throw new Error(
        `memoryNetwork.${what}: no engine "${peerId}" opened with network.open("${peerId}", open)`,
      )
    }
    return peer
  }

  #context(peerId: string, incarnation: number): PeerContext {
    return {
      peerId,
      transport: this.#net.transport(peerId),
      clock: this.#net.clock,
      random: this.#net.random(`engine:${peerId}:${incarnation}`),
      incarnation,
    }
  }
}

/**
 * A stable handle on a peer's engine: every property is read from the engine running now, so
 * `a.messages.send(...)` after `restart('a')` reaches the new one (while the peer is down, the
 * closed engine answers `closed`). `close()` closes the peer for good.
 */
function handleOf(peer: Peer, close: () => Promise<void>): Pigeonhole {
  return new Proxy({} as Pigeonhole, {
    get(_, key) {
      if (key === 'close') return close
      const value = Reflect.get(peer.engine, key, peer.engine) as unknown
      return typeof value === 'function' ? value.bind(peer.engine) : value
    },
    has: (_, key) => Reflect.has(peer.engine, key),
    ownKeys: () => Reflect.ownKeys(peer.engine),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(peer.engine, key)
      return d && { ...d, configurable: true }
    },
  })
}
