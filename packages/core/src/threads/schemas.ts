import { z } from 'zod'
import { address, limit, text } from '../validation/common.js'

export const createThreadInput = z.strictObject({
  subject: text(1, 500),
  participants: z.array(address).min(1).max(1000),
  /** Who opened it (must be a participant), or null for the system. */
  createdBy: address.nullish(),
})

export const listThreadsInput = z.strictObject({
  participant: address,
  /** Only open (false) or only closed (true) threads; both when left out. */
  closed: z.boolean().optional(),
  limit: limit.optional(),
  /** The `nextCursor` of the previous page (opaque, bound to this participant and filter). */
  cursor: text(1, 2000).optional(),
})

export const getThreadInput = z.strictObject({
  /** Who asks: the thread is answered only to one of its participants. */
  participant: address,
  id: text(1, 200),
})

export const closeThreadInput = z.strictObject({
  id: text(1, 200),
  by: address.nullish(),
})

export type CreateThreadInput = z.input<typeof createThreadInput>
export type GetThreadInput = z.input<typeof getThreadInput>
export type ListThreadsInput = z.input<typeof listThreadsInput>
export type CloseThreadInput = z.input<typeof closeThreadInput>
