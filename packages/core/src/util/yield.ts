/**
 * Resolves after the event loop has had a turn (timers, I/O). A synchronous store such as
 * better-sqlite3 never yields inside a loop of awaits; long work calls this between steps.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
