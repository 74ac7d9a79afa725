import {
  Observable,
  type Observer,
  type Operator,
  Subscriber,
  type Subscription,
  type TeardownLogic,
} from 'rxjs'

/** Gets what a subscriber threw, with the value being delivered (undefined: a stream error). */
export type SubscriberErrorHandler = (error: unknown, value: unknown) => void

/**
 * An Observable whose subscribers cannot take the host down. RxJS reports what an observer
 * throws (or an error it has no handler for) by rethrowing it from a timer: an
 * uncaughtException that kills the process. Here each observer a caller gives is wrapped so
 * that goes to `report` instead, without touching RxJS's global config. `lift` keeps piped
 * results guarded: `events$.pipe(map(f)).subscribe(g)` is guarded too.
 */
export class GuardedObservable<T> extends Observable<T> {
  readonly #report: SubscriberErrorHandler

  constructor(
    subscribe: ((subscriber: Subscriber<T>) => TeardownLogic) | undefined,
    report: SubscriberErrorHandler,
  ) {
    super(subscribe)
    this.#report = report
  }

  /** `source`, with its subscribers guarded. */
  static of<T>(source: Observable<T>, report: SubscriberErrorHandler): GuardedObservable<T> {
    return new GuardedObservable<T>((subscriber) => source.subscribe(subscriber), report)
  }

  override lift<R>(operator?: Operator<T, R>): Observable<R> {
    const lifted = new GuardedObservable<R>(undefined, this.#report)
    lifted.source = this
    lifted.operator = operator
    return lifted
  }

  override subscribe(
    observerOrNext?: Partial<Observer<T>> | ((value: T) => void) | null,
    error?: ((error: unknown) => void) | null,
    complete?: (() => void) | null,
  ): Subscription {
    // Operators subscribe with Subscribers of their own, which carry the chain's teardown:
    // they pass as they are (the caller's observer at the end of the chain is guarded).
    if (observerOrNext instanceof Subscriber) return super.subscribe(observerOrNext)
    const observer: Partial<Observer<T>> =
      typeof observerOrNext === 'function' || observerOrNext == null
        ? {
            ...(observerOrNext && { next: observerOrNext }),
            ...(error && { error }),
            ...(complete && { complete }),
          }
        : observerOrNext
    return super.subscribe(this.#guard(observer))
  }

  #guard(observer: Partial<Observer<T>>): Observer<T> {
    const report = (thrown: unknown, value: unknown) => {
      try {
        this.#report(thrown, value)
      } catch (failure) {
        console.error('Pigeonhole: onSubscriberError threw:', failure, 'reporting:', thrown)
      }
    }
    return {
      next: (value) => {
        try {
          observer.next?.(value)
        } catch (thrown) {
          report(thrown, value)
        }
      },
      error: (streamError) => {
        if (!observer.error) return report(streamError, undefined)
        try {
          observer.error(streamError)
        } catch (thrown) {
          report(thrown, undefined)
        }
      },
      complete: () => {
        try {
          observer.complete?.()
        } catch (thrown) {
          report(thrown, undefined)
        }
      },
    }
  }
}

/** The default: say what happened on stderr; the engine goes on. */
export const logSubscriberError: SubscriberErrorHandler = (error, value) => {
  const what =
    value && typeof value === 'object' && 'cursor' in value && 'type' in value
      ? ` on event ${String(value.cursor)} (${String(value.type)})`
      : value === undefined
        ? ''
        : ' on a value'
  console.error(
    `Pigeonhole: an events$ subscriber threw${what}; the engine and the other subscribers go on. ` +
      'Pass onSubscriberError to openPigeonhole to handle these.',
    error,
  )
}
