/**
 * How an engine cooperates with a transport that wants to know about it (the memory network's
 * `settle()`): not part of the public `Transport` interface. A transport that has a method
 * under this symbol gets the engine's link when the engine starts it, and `undefined` when it
 * closes. Internal; `memoryNetwork()` uses it.
 */
export const engineLink: unique symbol = Symbol.for('pigeonhole.engineLink')

export interface EngineLink {
  /** True when this engine's outbox is empty and no batch of it is in flight. */
  idle(): Promise<boolean>
  /** Asks the delivery worker to look for due rows now. */
  wake(): void
}

export interface LinkedTransport {
  [engineLink]?(link: EngineLink | undefined): void
}
