import { z } from 'zod'
import { address, jsonObject, limit, text, timestamp } from '../validation/common.js'
import type { RequestStatus } from './types.js'

export const requestStatuses = [
  'Draft',
  'Open',
  'DecisionRequired',
  'ManualDecisionRequired',
  'Decided',
  'Completed',
  'Expired',
] as const satisfies readonly RequestStatus[]

/** Most items (and groups) in a request, and in a group. */
export const maxRequestItems = 100

const requestId = text(1, 200)
const title = text(1, 500)
const description = text(1, 5000)

/** An item kind: `<Name>RequestItem` (so a group is never mistaken for an item). */
const itemType = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9]{0,99}RequestItem$/, 'an item type like "FreeTextRequestItem"')

export const requestItem = z.looseObject({
  '@type': itemType,
  mustBeAccepted: z.boolean(),
  title: title.optional(),
  description: description.optional(),
})

export const requestItemGroup = z.strictObject({
  '@type': z.literal('RequestItemGroup'),
  title: title.optional(),
  description: description.optional(),
  items: z.array(requestItem).min(1).max(maxRequestItems),
})

const requestItems = z
  .array(z.union([requestItemGroup, requestItem]))
  .min(1)
  .max(maxRequestItems)

/** A Request as it travels in a message. */
export const requestContent = z.strictObject({
  '@type': z.literal('Request'),
  id: requestId,
  expiresAt: timestamp.optional(),
  title: title.optional(),
  description: description.optional(),
  items: requestItems,
})

const responseItem = z.looseObject({
  '@type': text(1, 200),
  result: z.enum(['Accepted', 'Rejected', 'Error']),
})

const responseItemGroup = z.strictObject({
  '@type': z.literal('ResponseItemGroup'),
  items: z.array(responseItem).min(1).max(maxRequestItems),
})

/** A Response as it travels in a message. */
export const responseContent = z.strictObject({
  '@type': z.literal('Response'),
  requestId,
  result: z.enum(['Accepted', 'Rejected']),
  items: z
    .array(z.union([responseItemGroup, responseItem]))
    .min(1)
    .max(maxRequestItems),
})

export const createRequestInput = z.strictObject({
  /** Who asks: a registered account of this engine. */
  owner: address,
  /** Who is asked: the one recipient of the message that will carry it. */
  peer: address,
  content: z
    .strictObject({
      expiresAt: timestamp.optional(),
      title: title.optional(),
      description: description.optional(),
      items: requestItems,
    })
    // Item fields beyond the known ones must be JSON too: they travel in a message.
    .check((ctx) => {
      const json = jsonObject.safeParse(ctx.value)
      const issue = json.success ? undefined : json.error.issues[0]
      if (issue)
        ctx.issues.push({
          code: 'custom',
          message: issue.message,
          path: issue.path,
          input: ctx.value,
        })
    }),
})

const decideItem = z.union([
  z.looseObject({ accept: z.literal(true) }).and(jsonObject),
  z.strictObject({
    accept: z.literal(false),
    code: text(1, 200).optional(),
    message: text(1, 2000).optional(),
  }),
])

const decideGroup = z.strictObject({ items: z.array(decideItem).max(maxRequestItems) })

const decisions = z.array(z.union([decideGroup, decideItem])).max(maxRequestItems)

export const acceptRequestInput = z.strictObject({
  /** The account that received the request. */
  owner: address,
  id: requestId,
  /** One decision per item or group of the request, in its order. */
  items: decisions,
})

export const rejectRequestInput = z.strictObject({
  owner: address,
  id: requestId,
  /** One `{ accept: false }` per item or group, in order, each with an optional code and message; left out: every item rejected with none. */
  items: decisions.optional(),
})

export const getRequestInput = z.strictObject({
  owner: address,
  id: requestId,
  /** Only this side; left out, either (an owner never holds both sides of one id). */
  direction: z.enum(['outgoing', 'incoming']).optional(),
})

export const listRequestsInput = z.strictObject({
  owner: address,
  direction: z.enum(['outgoing', 'incoming']).optional(),
  /** One status or several. */
  status: z.union([z.enum(requestStatuses), z.array(z.enum(requestStatuses)).min(1)]).optional(),
  peer: address.optional(),
  /** The message that carried the request. */
  sourceMessageId: text(1, 200).optional(),
  limit: limit.optional(),
  /** The `nextCursor` of the previous page (bound to this owner and these filters). */
  cursor: text(1, 2000).optional(),
})

export type CreateRequestInput = z.input<typeof createRequestInput>
export type AcceptRequestInput = z.input<typeof acceptRequestInput>
export type RejectRequestInput = z.input<typeof rejectRequestInput>
export type GetRequestInput = z.input<typeof getRequestInput>
export type ListRequestsInput = z.input<typeof listRequestsInput>
