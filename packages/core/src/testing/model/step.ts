import { expect } from 'vitest'
import type { Message } from '../../types.js'
import { checkEvents, checkState } from './check-state.js'
import type { EngineUnderTest, Outcome } from './engine-under-test.js'
import { accounts, type ExpectedEvent, type Model } from './model.js'

/** After every command: the events it produced, then the whole state. */
export async function settle(
  model: Model,
  engine: EngineUnderTest,
  events: ExpectedEvent[],
  ordered: boolean,
): Promise<void> {
  await checkEvents(engine, events, ordered)
  await checkState(model, engine)
}

/** The call failed with `code` (the model's prediction). */
export function expectFailure(outcome: Outcome<unknown>, code: string): void {
  expect(outcome.ok ? 'succeeded' : outcome.code, outcome.ok ? '' : outcome.message).toBe(code)
}

/** The call succeeded; its value. */
export function expectSuccess<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.code}: ${outcome.message}`)
  return outcome.value
}

/** A new message's id: unseen, and after every earlier id (ids are sortable). */
export function expectNewId(model: Model, message: Message): void {
  const last = [...model.messages.keys()].at(-1) ?? ''
  expect(model.messages.has(message.id), `id ${message.id} is new`).toBe(false)
  expect(message.id > last, `id ${message.id} sorts after ${last}`).toBe(true)
  expect(message.version).toBe(1)
}

/** Picks message ids for an op on `owner`: mostly live ones, sometimes one that may not be. */
export function pickIds(
  model: Model,
  owner: string,
  picks: number[],
  extra: 'none' | 'any' | 'unknown',
): string[] {
  const live = model.liveIds(owner)
  const all = [...model.messages.keys()]
  const ids = live.length === 0 ? [] : picks.map((p) => live[p % live.length]!)
  if (extra === 'any' && all.length > 0) ids.push(all[picks[0]! % all.length]!)
  if (extra === 'unknown' || ids.length === 0) ids.push('msg_unknown')
  return ids
}

/** One message by index into everything sent so far, or an id that never existed. */
export function pickMessage(model: Model, pick: number): string {
  const all = [...model.messages.keys()]
  return all.length === 0 ? 'msg_unknown' : all[pick % all.length]!
}

/** An account by index, among those that hold something when any does. */
export function pickOwner(model: Model, pick: number): string {
  const holding = accounts.filter((a) => model.liveIds(a).length > 0)
  const from = holding.length > 0 ? holding : accounts
  return from[pick % from.length]!
}
