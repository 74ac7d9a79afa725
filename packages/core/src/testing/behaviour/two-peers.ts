import {
  type Delivery,
  type DeliveryAck,
  type MemoryNetwork,
  memoryNetwork,
  type Pigeonhole,
  type Transport,
  TransportError,
} from '../../index.js'
import type { IdGenerator } from '../../types.js'
import type { Engine, EngineOverrides, Harness } from './harness.js'

/** Ids with the peer in them: two engines never hand out the same message or file id. */
export class PeerIds implements IdGenerator {
  #n = 0
  readonly #peer: string
  constructor(peer: string) {
    this.#peer = peer
  }
  next(kind: string): string {
    this.#n += 1
    return `${kind}_${this.#peer}${String(this.#n).padStart(8, '0')}`
  }
}

/**
 * A transport around another: passes everything through, and sends a batch `copies` times
 * (the peer sees duplicates; the sender gets the last answer). Test transports extend it.
 */
export class PassThroughTransport implements Transport {
  readonly inner: Transport
  copies = 1

  constructor(inner: Transport) {
    this.inner = inner
  }
  get peerId(): string {
    return this.inner.peerId
  }
  start(receiver: Parameters<Transport['start']>[0]): Promise<void> {
    return this.inner.start(receiver)
  }
  stop(): Promise<void> {
    return this.inner.stop()
  }
  async deliver(peer: string, batch: readonly Delivery[]): Promise<DeliveryAck[]> {
    let acks: DeliveryAck[] = []
    for (let i = 0; i < this.copies; i++) acks = await this.inner.deliver(peer, batch)
    return acks
  }
}

/**
 * A transport around another that lets a test see and change every batch it sends
 * (`change`), and send each batch `copies` times (the peer sees duplicates; the sender gets
 * the last answer).
 */
export class TapTransport extends PassThroughTransport {
  change: ((batch: Delivery[]) => Delivery[]) | undefined
  readonly sent: Delivery[][] = []
  /** While true, every batch fails with a retryable TransportError asking for 1 s. */
  blocked = false
  refusals = 0

  override async deliver(peer: string, batch: readonly Delivery[]): Promise<DeliveryAck[]> {
    if (this.blocked) {
      this.refusals++
      throw new TransportError('blocked by the test', {
        retryable: true,
        retryAfterMs: 1000,
        status: 503,
      })
    }
    let out = JSON.parse(JSON.stringify(batch)) as Delivery[]
    if (this.change) out = this.change(out)
    this.sent.push(out)
    return super.deliver(peer, out)
  }
}

export type Peer = Engine & { transport: TapTransport }

/**
 * Two engines, `a` and `b`, on fresh stores of the suite's store, on one memory network, each
 * with a `TapTransport` and peer-named ids; retries are immediate. `more` applies to both,
 * `moreA`/`moreB` to one.
 */
export async function twoPeers(
  t: Harness,
  more: EngineOverrides = {},
  moreA: EngineOverrides = {},
  moreB: EngineOverrides = {},
): Promise<{ net: MemoryNetwork; a: Peer; b: Peer }> {
  const net = memoryNetwork()
  const a = await openPeer(t, net, 'a', { ...more, ...moreA })
  const b = await openPeer(t, net, 'b', { ...more, ...moreB })
  return { net, a, b }
}

export async function openPeer(
  t: Harness,
  net: MemoryNetwork,
  peer: string,
  more: EngineOverrides,
): Promise<Peer> {
  const transport = new TapTransport(net.transport(peer))
  const e = await t.open({
    ...more,
    transport,
    ids: new PeerIds(peer),
    delivery: { baseDelayMs: 0, ...more.delivery },
  })
  return { ...e, transport }
}

export async function inbox(ph: Pigeonhole, owner: string, box = 'inbox') {
  return (await ph.messages.list({ owner, box, order: 'oldest', limit: 1000 })).items
}
