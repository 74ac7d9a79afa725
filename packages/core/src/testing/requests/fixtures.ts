import { expect } from 'vitest'
import type { Pigeonhole } from '../../index.js'
import type { AcceptRequestInput } from '../../requests/schemas.js'
import type { LocalRequest, RequestStatus } from '../../requests/types.js'
import type { Json, Message, PigeonholeEvent } from '../../types.js'
import type { Engine } from '../behaviour/harness.js'
import { register, type Snapshot, snapshot } from '../behaviour/helpers.js'

/** A request item as plain JSON (what create takes and a message carries). */
export type ItemJson = { '@type': string; mustBeAccepted: boolean; [key: string]: Json }
export type GroupJson = { '@type': 'RequestItemGroup'; title: string; items: ItemJson[] }

/** Items used across the request tests (each a fresh copy: tests may not share objects). */
export const item = {
  auth: (mustBeAccepted = true): ItemJson => ({
    '@type': 'AuthenticationRequestItem',
    mustBeAccepted,
    title: 'Sign in to the service',
  }),
  consent: (mustBeAccepted = true): ItemJson => ({
    '@type': 'ConsentRequestItem',
    mustBeAccepted,
    consent: 'I agree to the terms of service',
    link: 'https://example.com/terms',
  }),
  freeText: (mustBeAccepted = false): ItemJson => ({
    '@type': 'FreeTextRequestItem',
    mustBeAccepted,
    title: 'Your nickname',
  }),
  group: (...items: ItemJson[]): GroupJson => ({
    '@type': 'RequestItemGroup',
    title: 'About you',
    items,
  }),
}

export type Items = (ItemJson | GroupJson)[]

/** Decisions on a request's items, as accept and reject take them. */
export type Decisions = AcceptRequestInput['items']

/** A Request flow on one engine: alice asks, bob is asked. */
export interface Opened {
  draft: LocalRequest
  message: Message
  outgoing: LocalRequest
  incoming: LocalRequest
}

/** Registers the accounts (when not yet) and creates alice's Draft to bob. */
export async function draft(
  ph: Pigeonhole,
  items: Items,
  more: { expiresAt?: number; title?: string; owner?: string; peer?: string } = {},
): Promise<LocalRequest> {
  const { owner = 'alice', peer = 'bob', ...rest } = more
  for (const address of [owner, peer]) {
    if (!(await ph.accounts.get(address))) await register(ph, address)
  }
  return ph.requests.create({ owner, peer, content: { items, ...rest } })
}

/** Creates alice's Draft to bob and sends it: alice's side Open, bob's ManualDecisionRequired. */
export async function openRequest(
  ph: Pigeonhole,
  items: Items,
  more: { expiresAt?: number; title?: string; owner?: string; peer?: string } = {},
): Promise<Opened> {
  const created = await draft(ph, items, more)
  const message = await ph.messages.send({
    from: created.owner,
    to: [created.peer],
    content: created.content as never,
  })
  const outgoing = await ph.requests.get({
    owner: created.owner,
    id: created.id,
    direction: 'outgoing',
  })
  const incoming = await ph.requests.get({
    owner: created.peer,
    id: created.id,
    direction: 'incoming',
  })
  return { draft: created, message, outgoing: outgoing!, incoming: incoming! }
}

/** Both sides of a request as `get` answers them (null when a side does not exist). */
export async function sides(
  ph: Pigeonhole,
  id: string,
  asker = 'alice',
  asked = 'bob',
): Promise<{ outgoing: LocalRequest | null; incoming: LocalRequest | null }> {
  return {
    outgoing: await ph.requests.get({ owner: asker, id, direction: 'outgoing' }),
    incoming: await ph.requests.get({ owner: asked, id, direction: 'incoming' }),
  }
}

/** Every request of each owner, as `list` answers them. */
export async function allRequests(
  ph: Pigeonhole,
  owners: readonly string[],
): Promise<Record<string, LocalRequest[]>> {
  const out: Record<string, LocalRequest[]> = {}
  for (const owner of owners) out[owner] = (await ph.requests.list({ owner, limit: 1000 })).items
  return out
}

/** The messages state of `snapshot` plus every request of the owners. */
export async function fullSnapshot(
  ph: Pigeonhole,
  owners: readonly string[],
): Promise<Snapshot & { requests: Record<string, LocalRequest[]> }> {
  const requests = await allRequests(ph, owners)
  return { ...(await snapshot(ph, owners)), requests }
}

/**
 * Runs `call`, which must fail (checked by `check`), and expects the owners' messages, counts,
 * events, verify and requests unchanged.
 */
export async function expectNoRequestChange<T>(
  engine: Engine,
  owners: readonly string[],
  check: () => Promise<T>,
): Promise<T> {
  const before = await fullSnapshot(engine.ph, owners)
  const out = await check()
  expect(await fullSnapshot(engine.ph, owners)).toEqual(before)
  return out
}

/** The status changes of request events, `owner direction old→new`, in order. */
export function statusChanges(events: readonly PigeonholeEvent[]): string[] {
  return events
    .filter((e) => e.type === 'request.statusChanged')
    .map((e) => `${e.owner} ${e.data.direction} ${e.data.oldStatus}→${e.data.newStatus}`)
}

/** The history of a request as `from→to` steps. */
export function steps(request: LocalRequest): string[] {
  return request.history.map((h) => `${h.from}→${h.to}`)
}

export function statusesOf(requests: readonly LocalRequest[]): RequestStatus[] {
  return requests.map((r) => r.status)
}
