import { type Pigeonhole, inputSchemas as s } from '@pigeonhole/core'
import { ownerParam as own } from './auth.js'
import { found, param } from './route-helpers.js'
import { bodyOf, querySchema, type Router, readJson, readQuery } from './routing.js'

const requestListKinds = {
  direction: 'string',
  status: 'strings',
  peer: 'string',
  sourceMessageId: 'string',
  limit: 'number',
  cursor: 'string',
} as const

/** Requests: validate, create, list, get, and the decisions on a received one (and their checks). */
export function requestRoutes(r: Router, ph: Pigeonhole): void {
  const createBody = bodyOf(s.createRequestInput, 'owner')
  r.add(
    {
      method: 'post',
      path: '/accounts/{owner}/requests/validate',
      summary: 'Check a request before creating it (canCreate)',
      tag: 'requests',
      body: createBody,
    },
    async (c, p) => ph.requests.canCreate({ ...(await readJson(c)), owner: own(c, p) } as never),
  )
  r.add(
    {
      method: 'post',
      path: '/accounts/{owner}/requests',
      summary: 'Create a Draft request',
      tag: 'requests',
      body: createBody,
      status: 201,
      errors: [404],
    },
    async (c, p) => ph.requests.create({ ...(await readJson(c)), owner: own(c, p) } as never),
  )
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/requests',
      summary: "The owner's requests",
      tag: 'requests',
      query: querySchema(requestListKinds),
      errors: [404],
    },
    async (c, p) =>
      ph.requests.list({ ...readQuery(c, requestListKinds), owner: own(c, p) } as never),
  )
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/requests/{id}',
      summary: 'One side of a request',
      tag: 'requests',
      query: querySchema({ direction: 'string' }),
      errors: [404],
    },
    async (c, p) =>
      found(
        await ph.requests.get({
          ...readQuery(c, {}),
          owner: own(c, p),
          id: param(c, 'id'),
        } as never),
        'request',
      ),
  )
  const decide = [
    ['can-accept', 'canAccept', s.acceptRequestInput, 'Check decisions (canAccept)'],
    ['accept', 'accept', s.acceptRequestInput, 'Accept a received request'],
    ['can-reject', 'canReject', s.rejectRequestInput, 'Check a rejection (canReject)'],
    ['reject', 'reject', s.rejectRequestInput, 'Reject a received request'],
  ] as const
  for (const [path, method, schema, summary] of decide) {
    r.add(
      {
        method: 'post',
        path: `/accounts/{owner}/requests/{id}/${path}`,
        summary,
        tag: 'requests',
        body: bodyOf(schema, 'owner', 'id'),
        errors: [404, 409, 410],
      },
      async (c, p) =>
        ph.requests[method]({
          ...(await readJson(c)),
          owner: own(c, p),
          id: param(c, 'id'),
        } as never),
    )
  }
}
