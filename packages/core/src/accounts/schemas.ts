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

export const listInput = z
  .strictObject({
    limit: limit.optional(),
    /** The `nextCursor` of the previous page (opaque). */
    cursor: text(1).optional(),
  })
  .optional()

export type RegisterInput = z.input<typeof registerInput>
export type UpdateAccountInput = z.input<typeof updateInput>
export type ListAccountsInput = z.input<typeof listInput>
