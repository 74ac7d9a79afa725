import { type Pigeonhole, inputSchemas as s } from '@pigeonhole/core'
import { actAs, adminOnly, ownerParam as own } from './auth.js'
import { found, param } from './route-helpers.js'
import { querySchema, type Router, readJson, readQuery } from './routing.js'

/** Boxes (the owner's boxes and their counts) and threads (create, list, get, close). */
export function boxRoutes(r: Router, ph: Pigeonhole): void {
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/boxes',
      summary: "The owner's boxes with counts",
      tag: 'boxes',
      errors: [404],
    },
    async (c, p) => ph.boxes.list(own(c, p)),
  )
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/boxes/counts',
      summary: 'Counts by box name',
      tag: 'boxes',
      errors: [404],
    },
    async (c, p) => ph.boxes.counts(own(c, p)),
  )

  // ---- threads
  r.add(
    {
      method: 'post',
      path: '/threads',
      summary: 'Create a thread',
      tag: 'threads',
      body: s.createThreadInput,
      status: 201,
      errors: [404, 422],
    },
    async (c, p) => {
      const body = await readJson(c)
      if (body.createdBy == null) adminOnly(p, 'a thread created by the system')
      else actAs(p, body.createdBy, 'createdBy')
      return ph.threads.create(body as never)
    },
  )
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/threads',
      summary: "The owner's threads",
      tag: 'threads',
      query: querySchema({ closed: 'boolean', limit: 'number', cursor: 'string' }),
      errors: [404],
    },
    async (c, p) =>
      ph.threads.list({
        ...readQuery(c, { closed: 'boolean', limit: 'number' }),
        participant: own(c, p),
      } as never),
  )
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/threads/{id}',
      summary: 'A thread the owner is in',
      tag: 'threads',
      errors: [404],
    },
    async (c, p) =>
      found(await ph.threads.get({ participant: own(c, p), id: param(c, 'id') }), 'thread'),
  )
  r.add(
    {
      method: 'post',
      path: '/accounts/{owner}/threads/{id}/close',
      summary: 'Close a thread',
      tag: 'threads',
      errors: [404, 409],
    },
    async (c, p) => ph.threads.close({ id: param(c, 'id'), by: own(c, p) }),
  )
}
