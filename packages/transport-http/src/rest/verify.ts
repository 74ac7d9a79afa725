import type { Pigeonhole } from '@pigeonhole/core'
import { adminOnly } from './auth.js'
import type { Router } from './routing.js'

/**
 * `GET /verify` (admin): `ph.verify()`, the recount of what the engine keeps incrementally, as
 * `{ differences }` (empty when all is well). It reads the whole store: for tests, after a
 * crash, and the inspector's button, not for a health check polled every second.
 */
export function verifyRoutes(r: Router, ph: Pigeonhole): void {
  r.add(
    {
      method: 'get',
      path: '/verify',
      summary: 'Recount counts, versions and entries (ph.verify(); admin)',
      tag: 'admin',
    },
    async (_c, p) => {
      adminOnly(p, 'verify')
      return { differences: await ph.verify() }
    },
  )
}
