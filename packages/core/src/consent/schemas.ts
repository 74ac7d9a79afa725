import { z } from 'zod'
import { address, limit, text, timestamp } from '../validation/common.js'

/** `owner` consents (or stops consenting) to messages from `sender` (`'system'`: system messages). */
export const changeInput = z.strictObject({
  owner: address,
  sender: address,
})

export const checkInput = z.strictObject({
  sender: address,
  recipient: address,
})

export const feedInput = z.strictObject({
  sender: address,
  /** Inclusive lower bound on the change's time. */
  since: timestamp.optional(),
  /** Exclusive upper bound on the change's time. */
  until: timestamp.optional(),
  cursor: text(1, 2000).optional(),
  limit: limit.optional(),
})

/** The states `owner` holds about senders, by sender. */
export const listInput = z.strictObject({
  owner: address,
  cursor: text(1, 2000).optional(),
  limit: limit.optional(),
})

export type ConsentChangeInput = z.input<typeof changeInput>
export type ConsentCheckInput = z.input<typeof checkInput>
export type ConsentFeedInput = z.input<typeof feedInput>
export type ConsentListInput = z.input<typeof listInput>
