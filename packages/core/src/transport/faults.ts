/**
 * What can go wrong on the memory network, each a chance per batch on the wire (0 to 1) or a
 * range. Every choice is drawn from the network's seed.
 */
export interface NetworkFaults {
  /**
   * The chance that a request is lost before the peer saw it, and, separately, that its answer
   * is lost after the peer committed (the half-dead connection): either way the sender gets a
   * `TransportError` and retries; the receiver deduplicates. Default 0.
   */
  drop?: number
  /** The chance that a batch reaches the peer twice (the second answer goes nowhere). Default 0. */
  duplicate?: number
  /**
   * How long a request, and then its answer, takes on the wire: a whole number of ms drawn in
   * [min, max] each way (a number: exactly that). Default 0: a macrotask each way. With
   * `clock`, delays run on it; without, in real time.
   */
  delayMs?: number | readonly [number, number]
  /**
   * The chance that a batch may overtake the batches in flight before it on its link (from
   * one peer to another). Without it (default 0) a link is FIFO: a batch arrives after those
   * sent before it, whatever its delay. `true` is 1.
   */
  reorder?: number | boolean
}

/** The faults as the network uses them: checked, defaults filled in. */
export interface CheckedFaults {
  drop: number
  duplicate: number
  delayMs: readonly [number, number]
  reorder: number
}

/** What the network decided for one batch, all drawn at once (so a replay draws the same). */
export interface BatchFate {
  requestDelay: number
  answerDelay: number
  dropRequest: boolean
  dropAnswer: boolean
  reorder: boolean
  /** The delay of the extra copy, when one is sent. */
  duplicateDelay: number | undefined
}

export function checkFaults(faults: NetworkFaults | undefined): CheckedFaults {
  const f = faults ?? {}
  const chance = (name: string, value: unknown): number => {
    if (value === undefined) return 0
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
      throw new RangeError(
        `memoryNetwork: faults.${name}: expected a number in [0, 1], got ${value}`,
      )
    }
    return value
  }
  const delay = f.delayMs ?? 0
  const range = typeof delay === 'number' ? ([delay, delay] as const) : delay
  const [min, max] = range
  if (
    !Array.isArray(range) ||
    range.length !== 2 ||
    !Number.isSafeInteger(min) ||
    !Number.isSafeInteger(max) ||
    min < 0 ||
    max < min
  ) {
    throw new RangeError(
      `memoryNetwork: faults.delayMs: expected a whole number of ms >= 0 or [min, max] with min <= max, got ${JSON.stringify(f.delayMs)}`,
    )
  }
  return {
    drop: chance('drop', f.drop),
    duplicate: chance('duplicate', f.duplicate),
    delayMs: [min, max],
    reorder: f.reorder === true ? 1 : f.reorder === false ? 0 : chance('reorder', f.reorder),
  }
}

/** Draws one batch's fate from `random`: always the same number of draws, in the same order. */
export function drawFate(faults: CheckedFaults, random: () => number): BatchFate {
  const [min, max] = faults.delayMs
  const delay = () => min + Math.floor(random() * (max - min + 1))
  const requestDelay = delay()
  const answerDelay = delay()
  const dropRequest = random() < faults.drop
  const dropAnswer = random() < faults.drop
  const reorder = random() < faults.reorder
  const duplicate = random() < faults.duplicate
  const duplicateDelay = delay()
  return {
    requestDelay,
    answerDelay,
    dropRequest,
    dropAnswer,
    reorder,
    duplicateDelay: duplicate ? duplicateDelay : undefined,
  }
}
