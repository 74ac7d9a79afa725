import { z } from 'zod'
import { address, limit, text } from '../validation/common.js'

export const consentMode = z.enum(['open', 'opt-in', 'requests'])

export const registerInput = z.strictObject({
  address,
  displayName: text(0, 200).nullish(),
  consent: consentMode.optional(),
})

export const updateInput = z.strictObject({
  address,
  displayName: text(0, 200).nullish(),
  consent: consentMode.optional(),
})

/** The start of addresses: the characters an address may hold, folded to lower case. */
export const addressPrefix = z
  .string()
  .regex(
    /^[A-Za-z0-9._@-]{1,257}$/,
    'the start of an address: 1-257 of a-z, 0-9, ".", "_", "-", "@"',
  )
  .toLowerCase()

export const listInput = z
  .strictObject({
    /** Only the addresses that start with this. */
    prefix: addressPrefix.optional(),
    limit: limit.optional(),
    /** The `nextCursor` of the previous page (opaque). */
    cursor: text(1).optional(),
  })
  .optional()

export type RegisterInput = z.input<typeof registerInput>
export type UpdateAccountInput = z.input<typeof updateInput>
export type ListAccountsInput = z.input<typeof listInput>
