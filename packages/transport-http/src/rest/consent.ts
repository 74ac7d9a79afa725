import type { Pigeonhole } from '@pigeonhole/core'
import { ownerParam as own } from './auth.js'
import { querySchema, type Router, readQuery } from './routing.js'

/** Consent: grant, revoke, check, the feed of changes to a sender, the states an owner holds. */
export function consentRoutes(r: Router, ph: Pigeonhole): void {
  for (const action of ['grant', 'revoke'] as const) {
    r.add(
      {
        method: 'post',
        path: `/accounts/{owner}/consent/{sender}/${action}`,
        summary: `${action === 'grant' ? 'Allow' : 'Deny'} messages from a sender`,
        tag: 'consent',
        errors: [404],
      },
      async (c, p) => ph.consent[action]({ owner: own(c, p), sender: c.req.param('sender') ?? '' }),
    )
  }
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/consent',
      summary: 'The consent states the owner holds, by sender (consent.list)',
      tag: 'consent',
      query: querySchema({ cursor: 'string', limit: 'number' }),
      errors: [404],
    },
    async (c, p) =>
      ph.consent.list({ ...readQuery(c, { limit: 'number' }), owner: own(c, p) } as never),
  )
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/consent/check',
      summary: 'Would a message from the owner reach recipient?',
      tag: 'consent',
      query: querySchema({ recipient: 'string' }),
    },
    async (c, p) => ph.consent.check({ ...readQuery(c, {}), sender: own(c, p) } as never),
  )
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/consent/feed',
      summary: 'Changes of consent to the owner (as sender)',
      tag: 'consent',
      query: querySchema({ since: 'number', until: 'number', cursor: 'string', limit: 'number' }),
    },
    async (c, p) =>
      ph.consent.feed({
        ...readQuery(c, { since: 'number', until: 'number', limit: 'number' }),
        sender: own(c, p),
      } as never),
  )
}
