import { type EngineLink, linkOf } from './link.js'
import type { MemoryNetwork } from './memory-network.js'
import {
  type Delivery,
  type DeliveryAck,
  type DeliveryReceiver,
  type Transport,
  TransportError,
} from './port.js'

/** A peer's end of the memory network. */
export class MemoryTransport implements Transport {
  readonly peerId: string
  readonly #net: MemoryNetwork
  #started = false
  #receiver: DeliveryReceiver | undefined
  #link: EngineLink | undefined

  constructor(net: MemoryNetwork, peerId: string) {
    this.#net = net
    this.peerId = peerId
  }

  async start(receiver: DeliveryReceiver): Promise<void> {
    this.#started = true
    this.#receiver = receiver
    this.#net.attach(this.peerId, receiver, true)
    this.#link = linkOf(receiver)
    if (this.#link) this.#net.link(this.peerId, this.#link, true)
  }

  async deliver(peer: string, batch: readonly Delivery[]): Promise<DeliveryAck[]> {
    if (!this.#started) {
      throw new TransportError(`memoryNetwork: transport "${this.peerId}" is stopped`, {
        retryable: true,
      })
    }
    return this.#net.deliver(this.peerId, peer, batch)
  }

  async stop(): Promise<void> {
    this.#started = false
    if (this.#receiver) this.#net.attach(this.peerId, this.#receiver, false)
    if (this.#link) this.#net.link(this.peerId, this.#link, false)
  }
}
