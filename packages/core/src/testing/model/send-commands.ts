import type { AsyncCommand } from 'fast-check'
import { expect } from 'vitest'
import type { Content, SendResult } from '../../types.js'
import { attempt, type EngineUnderTest } from './engine-under-test.js'
import type { ExpectedEvent, Model, Plan } from './model.js'
import { expectFailure, expectNewId, expectSuccess, settle } from './step.js'

type Command = AsyncCommand<Model, EngineUnderTest>

export interface SendArgs {
  from: string | null
  to: string[]
  content: Content
  key?: string
  /** Absent: the default ('reject'). */
  onConsentMissing?: 'reject' | 'skip'
}

/** Checks a send's result against the plan and applies it; returns the events it should emit. */
function acceptSent(
  model: Model,
  args: SendArgs,
  plan: Plan,
  message: SendResult,
  skipped: SendResult['skipped'],
): ExpectedEvent[] {
  if (plan.kind === 'duplicate') {
    expect(message.id, 'a repeated key returns the first message').toBe(plan.id)
    return []
  }
  if (plan.kind === 'error') throw new Error('acceptSent: the plan was an error')
  expectNewId(model, message)
  expect({ from: message.from, to: message.to, content: message.content }).toEqual({
    from: args.from,
    to: plan.to,
    content: args.content,
  })
  expect(skipped, 'skipped recipients').toEqual(plan.skipped)
  // The invariant: no message lands in the box of an account that had not consented when it
  // was sent (the model's own consent rule, with the states as they are now, before applying).
  for (const owner of message.to) {
    const allowed = owner === args.from || model.judge(owner, args.from).allowed
    expect(allowed, `${owner} had not consented to ${args.from ?? 'system'}`).toBe(true)
  }
  return model.applySend(message.id, args.from, args.to, args.content, plan, args.key)
}

export class SendCommand implements Command {
  constructor(readonly args: SendArgs) {}
  check = () => true
  async run(m: Model, r: EngineUnderTest): Promise<void> {
    const { from, to, content, key, onConsentMissing } = this.args
    const plan = m.planSend(from, to, content, key, onConsentMissing)
    const got = await attempt(() =>
      r.ph.messages.send({
        from,
        to,
        content,
        ...(key === undefined ? {} : { idempotencyKey: key }),
        ...(onConsentMissing === undefined ? {} : { onConsentMissing }),
      }),
    )
    if (plan.kind === 'error') {
      expectFailure(got, plan.code)
      return settle(m, r, [], true)
    }
    const message = expectSuccess(got)
    await settle(m, r, acceptSent(m, this.args, plan, message, message.skipped), true)
  }
  toString = () => `send(${JSON.stringify(this.args)})`
}

/** Sends a keyed send or broadcast again: same payload (a duplicate) or a changed one (a conflict). */
export class ResendCommand implements Command {
  constructor(
    readonly pick: number,
    readonly change: boolean,
  ) {}
  check = (m: Readonly<Model>) => m.keyedSends.length > 0
  async run(m: Model, r: EngineUnderTest): Promise<void> {
    const earlier = m.keyedSends[this.pick % m.keyedSends.length]!
    const content = this.change ? { ...earlier.content, text: 'changed' } : earlier.content
    if (earlier.to === null) {
      return new BroadcastCommand(content, earlier.key).run(m, r)
    }
    return new SendCommand({ from: earlier.from, to: earlier.to, content, key: earlier.key }).run(
      m,
      r,
    )
  }
  toString = () => `resend(${this.pick}, change: ${this.change})`
}

/** A batch; items may be unregistered or malformed recipients, or repeat keys. */
export class SendManyCommand implements Command {
  constructor(readonly items: SendArgs[]) {}
  check = () => true
  async run(m: Model, r: EngineUnderTest): Promise<void> {
    const result = expectSuccess(
      await attempt(() =>
        r.ph.messages.sendMany(
          this.items.map(({ from, to, content, key, onConsentMissing }, i) => ({
            identifier: `item-${i}`,
            from,
            to,
            content,
            ...(key === undefined ? {} : { idempotencyKey: key }),
            ...(onConsentMissing === undefined ? {} : { onConsentMissing }),
          })),
        ),
      ),
    )
    const events: ExpectedEvent[] = []
    const statuses: string[] = []
    this.items.forEach((args, i) => {
      const item = result.items[i]!
      expect(item.identifier).toBe(`item-${i}`)
      const plan = m.planSend(args.from, args.to, args.content, args.key, args.onConsentMissing)
      if (plan.kind === 'error') {
        expect(item.error?.code ?? item.status, `item ${i}: ${item.error?.message}`).toBe(plan.code)
        expect(item.status).toBe('failed')
      } else {
        expect(item.status, `item ${i}: ${item.error?.message}`).toBe(
          plan.kind === 'create' ? 'created' : 'duplicate',
        )
        events.push(...acceptSent(m, args, plan, item.message!, item.skipped))
      }
      statuses.push(item.status)
    })
    const count = (s: string) => statuses.filter((x) => x === s).length
    expect(result.items).toHaveLength(this.items.length)
    expect([result.created, result.duplicates, result.failed]).toEqual([
      count('created'),
      count('duplicate'),
      count('failed'),
    ])
    await settle(m, r, events, true)
  }
  toString = () => `sendMany(${JSON.stringify(this.items)})`
}

export class BroadcastCommand implements Command {
  constructor(
    readonly content: Content,
    readonly key?: string,
  ) {}
  check = () => true
  async run(m: Model, r: EngineUnderTest): Promise<void> {
    const plan = m.planBroadcast(this.content, this.key)
    const got = await attempt(() =>
      r.ph.messages.broadcast({
        content: this.content,
        ...(this.key === undefined ? {} : { idempotencyKey: this.key }),
      }),
    )
    if (plan.kind === 'error') {
      expectFailure(got, plan.code)
      return settle(m, r, [], true)
    }
    const message = expectSuccess(got)
    if (plan.kind === 'duplicate') {
      expect(message.id, 'a repeated key returns the first broadcast').toBe(plan.id)
      return settle(m, r, [], true)
    }
    expectNewId(m, message)
    expect([message.from, message.broadcast, message.content]).toEqual([null, true, this.content])
    await settle(m, r, m.applyBroadcast(message.id, this.content, this.key), true)
  }
  toString = () => `broadcast(${JSON.stringify(this.content)}, ${this.key})`
}
