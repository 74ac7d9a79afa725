import { PigeonholeError } from '../errors.js'
import type { SkippedRecipient } from '../types.js'
import { boxNamePattern } from '../validation/common.js'
import type { Refusal, SendBatch, SendItem, SendPolicy, Verdicts } from './policy.js'
import { PolicyThrew } from './policy-threw.js'

/**
 * Step 3: runs the policy steps in order over the items still standing, and keeps per item
 * (by `index`) what they decided: a refusal, the recipients routed elsewhere, those left out.
 */
export class Judgement {
  /** Per item: why it was refused, if it was. */
  readonly errors: (PigeonholeError | undefined)[] = []
  /** Per item: recipient to box, for recipients routed out of `inbox`. */
  readonly routes: (Map<string, string> | undefined)[] = []
  /** Per item: its recipients after the steps (absent: unchanged). */
  readonly to: (readonly string[] | undefined)[] = []
  /** Per item: the recipients a built-in step left out by `leaveOut`, for the send's result. */
  readonly skipped: (SkippedRecipient[] | undefined)[] = []
  /** Per item: its remote recipients (`bob@other`), routed to the outbox by `remote-routing`. */
  readonly remote: (ReadonlySet<string> | undefined)[] = []
  /** Per item: the recipients a step left out (`partial` or `leaveOut`), and why (for a dry run's report). */
  readonly left: (Map<string, PigeonholeError> | undefined)[] = []
  #items: readonly SendItem[]
  readonly #base: Omit<SendBatch, 'items'>
  /** The batch the steps see, made again only after a step refused something. */
  #batch: SendBatch | undefined

  constructor(items: readonly SendItem[], base: Omit<SendBatch, 'items'>) {
    this.#items = items
    this.#base = base
  }

  /**
   * Runs `steps` in order; synchronous while the steps are (the built-in ones are), so a send
   * with no async policy takes no extra turn of the event loop.
   */
  run(steps: readonly SendPolicy[]): void | Promise<void> {
    for (let i = 0; i < steps.length; i++) {
      if (this.#items.length === 0) return
      const pending = this.#runStep(steps[i]!)
      if (pending) return pending.then(() => this.run(steps.slice(i + 1)))
    }
  }

  #runStep(step: SendPolicy): Promise<void> | undefined {
    // One object per step and no closures: the common case (all allowed) allocates next to
    // nothing; what a refusal needs is made only when a step refuses.
    const verdicts = new StepVerdicts(this, step)
    this.#batch ??= { ...this.#base, items: this.#items }
    let pending: void | Promise<void>
    try {
      pending = step.judge(this.#batch, verdicts)
    } catch (error) {
      throw new PolicyThrew(step.name, error)
    }
    if (pending) {
      return pending.then(
        () => verdicts.settle(),
        (error: unknown) => {
          throw new PolicyThrew(step.name, error)
        },
      )
    }
    verdicts.settle()
    return undefined
  }

  /** Later steps see neither refused items nor left-out recipients. */
  settle(dropped: Map<number, Set<string>> | undefined): void {
    this.#batch = undefined
    const next: SendItem[] = []
    for (const item of this.#items) {
      if (this.errors[item.index]) continue
      const out = dropped?.get(item.index)
      if (!out) {
        next.push(item)
        continue
      }
      const to = item.to.filter((a) => !out.has(a))
      this.to[item.index] = to
      next.push({ ...item, to })
    }
    this.#items = next
  }
}

/**
 * What built-in steps may also do (internal, not part of the public `Verdicts`): leave
 * recipients out of one item whatever the step's `partial` flag says, and report them in the
 * send's result (`skipped`). The consent step does this for `onConsentMissing: 'skip'`.
 */
export interface EngineVerdicts extends Verdicts {
  /**
   * Leaves `skipped` out of `item`; if no recipient is left, refuses the item with `ifNoneLeft`.
   * Called at most once per item and step.
   */
  leaveOut(item: SendItem, skipped: SkippedRecipient[], ifNoneLeft: PigeonholeError): void
  /**
   * Routes `recipients` (remote addresses of `item`) out of the local write: they get no box
   * entry here, but an outbox row and a `pending` receipt (the `remote-routing` step).
   */
  remote(item: SendItem, recipients: readonly string[]): void
}

/** What one step records: refusals (whole items or, for a `partial` step, recipients) and routes. */
class StepVerdicts implements EngineVerdicts {
  readonly #judgement: Judgement
  readonly #step: SendPolicy
  /** Made only when a step refuses a recipient. */
  #dropped: Map<number, Set<string>> | undefined
  #changed = false

  constructor(judgement: Judgement, step: SendPolicy) {
    this.#judgement = judgement
    this.#step = step
  }

  refuse(item: SendItem, refusal: Refusal | PigeonholeError): void {
    const errors = this.#judgement.errors
    const step = this.#step
    if (errors[item.index]) return
    const recipient = refusal instanceof PigeonholeError ? undefined : refusal.recipient
    if (step.partial && recipient !== undefined && item.to.includes(recipient)) {
      this.#dropped ??= new Map()
      const set = this.#dropped.get(item.index) ?? new Set()
      this.#dropped.set(item.index, set.add(recipient))
      const left = this.#judgement.left
      const why = left[item.index] ?? new Map<string, PigeonholeError>()
      left[item.index] = why.set(recipient, refusedBy(step, refusal))
      // Kept in case no recipient is left: then the item is refused with it.
      if (set.size === item.to.length) errors[item.index] = refusedBy(step, refusal)
    } else {
      errors[item.index] = refusedBy(step, refusal)
    }
    this.#changed = true
  }

  leaveOut(item: SendItem, skipped: SkippedRecipient[], ifNoneLeft: PigeonholeError): void {
    const errors = this.#judgement.errors
    if (errors[item.index] || skipped.length === 0) return
    const out = new Set(skipped.map((s) => s.recipient))
    if (item.to.every((a) => out.has(a))) {
      errors[item.index] = ifNoneLeft
    } else {
      this.#dropped ??= new Map()
      const set = this.#dropped.get(item.index) ?? new Set()
      for (const a of out) set.add(a)
      this.#dropped.set(item.index, set)
      const list = this.#judgement.skipped
      list[item.index] = [...(list[item.index] ?? []), ...skipped]
      const left = this.#judgement.left
      const why = left[item.index] ?? new Map<string, PigeonholeError>()
      for (const a of out) why.set(a, ifNoneLeft)
      left[item.index] = why
    }
    this.#changed = true
  }

  remote(item: SendItem, recipients: readonly string[]): void {
    this.#judgement.remote[item.index] = new Set(recipients)
  }

  route(item: SendItem, recipient: string, box: string): void {
    const step = this.#step
    if (!item.to.includes(recipient) || !boxNamePattern.test(box) || box === 'sent') {
      throw new PigeonholeError(
        'invalid_input',
        `policy "${step.name}": route: expected a recipient of the message and a box name other than "sent", got "${recipient}" to "${box}"`,
        { field: 'policies', policy: step.name, recipient, box },
      )
    }
    const routes = this.#judgement.routes
    const map = routes[item.index] ?? new Map<string, string>()
    routes[item.index] = map.set(recipient, box)
  }

  /** After the step: the items and recipients it refused leave the batch. */
  settle(): void {
    if (this.#changed) this.#judgement.settle(this.#dropped)
  }
}

function refusedBy(step: SendPolicy, refusal: Refusal | PigeonholeError): PigeonholeError {
  if (refusal instanceof PigeonholeError) return refusal
  const { code, message, recipient, details } = refusal
  return new PigeonholeError('refused', `refused by policy "${step.name}": ${message}`, {
    ...details,
    ...(recipient !== undefined && { field: 'to', recipient }),
    policy: step.name,
    code,
  })
}
