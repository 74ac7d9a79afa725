import { type Pigeonhole, inputSchemas as s } from '@pigeonhole/core'
import { adminOnly, ownerParam as own } from './auth.js'
import { found, param } from './route-helpers.js'
import { bodyOf, querySchema, type Router, readJson, readQuery } from './routing.js'

/** Accounts: register, list (admin), get, update, remove (admin). */
export function accountRoutes(r: Router, ph: Pigeonhole): void {
  r.add(
    {
      method: 'post',
      path: '/accounts',
      summary: 'Register an account (admin)',
      tag: 'accounts',
      body: s.registerAccountInput,
      status: 201,
      errors: [409],
    },
    async (c, p) => {
      adminOnly(p, 'registering an account')
      return ph.accounts.register((await readJson(c)) as never)
    },
  )
  r.add(
    {
      method: 'get',
      path: '/accounts',
      summary: 'List accounts (admin); prefix: those whose address starts with it',
      tag: 'accounts',
      query: querySchema({ prefix: 'string', limit: 'number', cursor: 'string' }),
    },
    async (c, p) => {
      adminOnly(p, 'listing accounts')
      return ph.accounts.list(readQuery(c, { limit: 'number' }) as never)
    },
  )
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}',
      summary: 'Get an account',
      tag: 'accounts',
      errors: [404],
    },
    async (c, p) => found(await ph.accounts.get(own(c, p)), `account "${param(c, 'owner')}"`),
  )
  r.add(
    {
      method: 'patch',
      path: '/accounts/{owner}',
      summary: 'Update an account (only the given fields)',
      tag: 'accounts',
      body: bodyOf(s.updateAccountInput, 'address'),
      errors: [404],
    },
    async (c, p) => ph.accounts.update({ ...(await readJson(c)), address: own(c, p) } as never),
  )
  r.add(
    {
      method: 'delete',
      path: '/accounts/{owner}',
      summary: 'Remove an account (admin)',
      tag: 'accounts',
      status: 204,
      errors: [404],
    },
    async (c, p) => {
      adminOnly(p, 'removing an account')
      await ph.accounts.remove(param(c, 'owner'))
    },
  )
}
