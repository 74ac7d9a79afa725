/**
 * Lets the event loop run (timers, I/O, other requests) before going on. better-sqlite3 is
 * synchronous, so a loop of awaits on it runs on microtasks alone and never lets them in.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
