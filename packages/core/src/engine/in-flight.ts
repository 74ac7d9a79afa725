import { PigeonholeError } from '../errors.js'

/**
 * The engine's calls in flight, so `close()` can let them finish before it closes the store
 * (a pool closed under queued queries leaves their callers hanging for good).
 */
export class InFlight {
  /** Calls started and not settled yet. */
  #active = 0
  #closing = false
  /** Resolves `close()` once the last call settled. */
  #idle: (() => void) | undefined
  // One handler for every call: a closure made per call costs more than the small reads it
  // tracks (issue 16).
  readonly #settled = (): void => {
    if (--this.#active === 0) this.#idle?.()
  }

  /** Runs `call` and keeps it until it settles; once closing has started: `closed`. */
  run<T>(call: () => Promise<T>): Promise<T> {
    if (this.#closing) {
      return Promise.reject(new PigeonholeError('closed', 'this Pigeonhole engine was closed'))
    }
    let promise: Promise<T>
    try {
      promise = call()
    } catch (error) {
      promise = Promise.reject(error)
    }
    this.#active++
    promise.then(this.#settled, this.#settled)
    return promise
  }

  /** Refuses new calls and resolves once every call in flight has settled. */
  async close(): Promise<void> {
    this.#closing = true
    if (this.#active === 0) return
    // No call starts once closing, so the count only goes down.
    const idle = new Promise<void>((resolve) => {
      const before = this.#idle
      this.#idle = () => {
        before?.()
        resolve()
      }
    })
    await idle
  }
}

/**
 * `facade` with every method call run through `inFlight`. The methods run on the facade
 * itself, not on the proxy: its `#private` fields are not reachable through a proxy.
 */
export function tracked<T extends object>(facade: T, inFlight: InFlight): T {
  const wrappers = new Map<PropertyKey, unknown>()
  return new Proxy(facade, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target)
      if (typeof value !== 'function') return value
      let wrapper = wrappers.get(key)
      if (!wrapper) {
        wrapper = (...args: unknown[]) =>
          inFlight.run(() => Promise.resolve(value.apply(target, args)))
        wrappers.set(key, wrapper)
      }
      return wrapper
    },
  })
}
