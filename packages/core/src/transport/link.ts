/**
 * How an engine cooperates with a transport that wants to know about it (the memory network's
 * `settle()`), outside the public `Transport` interface: the receiver the engine passes to
 * `transport.start(receiver)` carries the engine's link under this symbol, so a transport
 * wrapped by another (a test's flaky wrapper, a fault injector) still gets it when the
 * wrapper passes the receiver on. A transport unlinks on `stop()`. Internal; `memoryNetwork()`
 * uses it.
 */
export const engineLink: unique symbol = Symbol.for('pigeonhole.engineLink')

export interface EngineLink {
  /** True when this engine's outbox is empty and no batch of it is in flight. */
  idle(): Promise<boolean>
  /** Asks the delivery worker to look for due rows now. */
  wake(): void
  /**
   * When this instance could next send a row of its outbox (the earliest head of a queue that
   * is due, or leased by another instance until then), by the engine's clock; undefined when
   * the outbox is empty. The memory network's `settle()` advances a manual clock to it.
   */
  nextDue?(): Promise<number | undefined>
}

/** The link of the engine that gave `receiver`, if it carries one. */
export function linkOf(receiver: unknown): EngineLink | undefined {
  return (receiver as { [engineLink]?: EngineLink } | undefined)?.[engineLink]
}
