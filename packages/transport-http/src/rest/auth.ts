import { createHash, timingSafeEqual } from 'node:crypto'
import type { Pigeonhole } from '@pigeonhole/core'
import type { Context } from 'hono'
import { fail } from './problems.js'

/** Who is calling: an admin key (acts for anyone) or a key bound to one account. */
export type Principal =
  | { kind: 'admin'; keyId: string }
  | { kind: 'account'; keyId: string; account: string }

/** A key given in the options (from the host's configuration), beside the stored ones. */
export interface StaticKey {
  /** The key itself: at least 32 characters. */
  key: string
  /** Bound to this account (every call acts as it); left out: an admin key. */
  account?: string
  /** Shown as the key's id in logs; default `static-<n>`. */
  id?: string
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest()

/**
 * Finds the caller by `Authorization: Bearer <key>`: the static keys first (each compared by
 * its SHA-256 with `timingSafeEqual`, all of them every time, so the time does not say which
 * one nearly matched), then the stored keys (`ph.admin.apiKeys.verify`: looked up by hash,
 * then compared in constant time). 401 without a valid key.
 */
export function authenticator(ph: Pigeonhole, keys: readonly StaticKey[]) {
  const statics = keys.map((k, i) => ({
    hash: sha256(k.key),
    principal: (k.account === undefined
      ? { kind: 'admin', keyId: k.id ?? `static-${i + 1}` }
      : {
          kind: 'account',
          keyId: k.id ?? `static-${i + 1}`,
          account: k.account.toLowerCase(),
        }) satisfies Principal as Principal,
  }))
  return async (header: string | undefined): Promise<Principal> => {
    const match = header === undefined ? null : /^Bearer\s+(\S{1,512})\s*$/i.exec(header)
    if (!match) return fail('unauthenticated', 'an API key is needed: Authorization: Bearer <key>')
    const key = match[1]!
    const hash = sha256(key)
    let found: Principal | undefined
    for (const s of statics) {
      if (timingSafeEqual(s.hash, hash) && found === undefined) found = s.principal
    }
    if (found) return found
    const stored = await ph.admin.apiKeys.verify(key)
    if (stored === null) return fail('unauthenticated', 'the API key is not valid')
    return stored.account === null
      ? { kind: 'admin', keyId: stored.id }
      : { kind: 'account', keyId: stored.id, account: stored.account }
  }
}

/**
 * A bound key may act only as its account: `address` (an owner, sender, reader, `from`,
 * `by`...) must be it, else 403 and nothing happens. Addresses fold to lower case, as the
 * engine folds them. Admin keys may name anyone.
 */
export function actAs(principal: Principal, address: unknown, field: string): void {
  if (principal.kind === 'admin') return
  if (typeof address === 'string' && address.toLowerCase() === principal.account) return
  fail(
    'forbidden',
    `${field}: this API key acts only as "${principal.account}", got ${JSON.stringify(address ?? null)}`,
    { field, account: principal.account },
  )
}

/** Host operations (registering accounts, system messages...): admin keys only. */
export function adminOnly(principal: Principal, what: string): void {
  if (principal.kind !== 'admin') {
    fail('forbidden', `${what} needs an admin API key`, { account: principal.account })
  }
}

/** The `{owner}` of the path, which the caller must be allowed to act as (see `actAs`). */
export function ownerParam(c: Context, principal: Principal): string {
  const owner = c.req.param('owner') ?? ''
  actAs(principal, owner, 'owner')
  return owner
}
