import { firstValueFrom, type Observable, takeWhile, timeout, toArray } from 'rxjs'
import { expect } from 'vitest'
import {
  type ErrorCode,
  openPigeonhole,
  type Pigeonhole,
  PigeonholeError,
  type PigeonholeOptions,
} from '../../index.js'
import type { Store } from '../../store-port.js'
import type { BoxCount, Difference, PigeonholeEvent } from '../../types.js'
import type { CountingIds } from './harness.js'

/** Registers each address with default settings. */
export async function register(ph: Pigeonhole, ...addresses: string[]): Promise<void> {
  for (const address of addresses) await ph.accounts.register({ address })
}

/**
 * Awaits `call` and expects a PigeonholeError with `code`; checks the message and
 * `details.field` when given, and returns the error for more checks.
 */
export async function expectError(
  call: Promise<unknown> | (() => unknown),
  code: ErrorCode,
  expected: { message?: RegExp; field?: string } = {},
): Promise<PigeonholeError> {
  let outcome: { error: unknown } | undefined
  try {
    await (typeof call === 'function' ? call() : call)
  } catch (error) {
    outcome = { error }
  }
  if (!outcome) return expect.fail(`expected a PigeonholeError "${code}", but the call succeeded`)
  const error = outcome.error
  expect(error).toBeInstanceOf(PigeonholeError)
  const e = error as PigeonholeError
  expect({ code: e.code, message: e.message }).toEqual({ code, message: expect.any(String) })
  if (expected.message) expect(e.message).toMatch(expected.message)
  if (expected.field !== undefined) expect(e.details.field).toBe(expected.field)
  return e
}

/** What a failed call must leave untouched: counts and lists of the owners, events, verify. */
export interface Snapshot {
  lastCursor: number
  counts: Record<string, Record<string, BoxCount>>
  entries: Record<string, string[]>
  verify: Difference[]
}

export async function snapshot(ph: Pigeonhole, owners: readonly string[]): Promise<Snapshot> {
  const counts: Snapshot['counts'] = {}
  const entries: Snapshot['entries'] = {}
  for (const owner of owners) {
    counts[owner] = await ph.boxes.counts(owner)
    const page = await ph.messages.list({ owner, limit: 1000 })
    entries[owner] = page.items.map(
      (i) => `${i.entry.box}/${i.entry.messageId}/${i.entry.role}/v${i.entry.version}`,
    )
  }
  return { lastCursor: ph.events.lastCursor, counts, entries, verify: await ph.verify() }
}

/**
 * Runs `call`, expects it to fail with `code`, and expects the owners' state to be unchanged.
 * With the engine's id counter, also expects nothing stored under any id the call drew.
 */
export async function expectNothingChanged(
  engine: { ph: Pigeonhole; ids?: CountingIds },
  owners: readonly string[],
  call: () => unknown,
  code: ErrorCode,
  expected: { message?: RegExp; field?: string } = {},
): Promise<PigeonholeError> {
  const { ph, ids } = engine
  const before = await snapshot(ph, owners)
  const drawn = ids?.issued.length ?? 0
  const error = await expectError(call, code, expected)
  expect(await snapshot(ph, owners)).toEqual(before)
  await expectNothingStored(ph, ids?.issued.slice(drawn) ?? [])
  return error
}

/** No message or thread exists under any of these ids. */
export async function expectNothingStored(ph: Pigeonhole, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    const found = id.startsWith('thr_')
      ? await ph.admin.getThread(id)
      : await ph.admin.getMessage(id)
    expect(found, `nothing should be stored under ${id}`).toBeNull()
  }
}

/** Collects `source` until an event with cursor >= `upTo` arrives (5 s at most). */
export function collectUntil(
  source: Observable<PigeonholeEvent>,
  upTo: number,
): Promise<PigeonholeEvent[]> {
  return firstValueFrom(
    source.pipe(
      takeWhile((e) => e.cursor < upTo, true),
      toArray(),
      timeout(5000),
    ),
  )
}

/** Stored events after `after` up to the newest emitted one, read back through `since`. */
export async function eventsAfter(ph: Pigeonhole, after: number): Promise<PigeonholeEvent[]> {
  const upTo = ph.events.lastCursor
  if (upTo <= after) return []
  return collectUntil(ph.events.since(after), upTo)
}

/** Runs `call` and returns the events it wrote, in cursor order. */
export async function eventsOf(
  ph: Pigeonhole,
  call: () => Promise<unknown>,
): Promise<PigeonholeEvent[]> {
  const before = ph.events.lastCursor
  await call()
  return eventsAfter(ph, before)
}

/** `type owner` of each event, for compact comparisons. */
export function summary(events: readonly PigeonholeEvent[]): string[] {
  return events.map((e) => (e.owner === null ? e.type : `${e.type} ${e.owner}`))
}

/**
 * openPigeonhole on `store` with options `given` (deliberately wrong, hence `unknown`) fails
 * with `invalid_input` naming `field`, matching `message`, with what was expected and got.
 */
export async function expectOptionRefused(
  store: Store,
  given: Record<string, unknown>,
  field: string,
  message: RegExp,
): Promise<void> {
  const error = await expectError(
    openPigeonhole({ store, ...given } as unknown as PigeonholeOptions),
    'invalid_input',
    { message, field },
  )
  expect(error.details).toMatchObject({
    field,
    expected: expect.any(String),
    got: expect.any(String),
  })
}
