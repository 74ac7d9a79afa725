import { z } from 'zod'
import {
  address,
  boxName,
  identifier,
  idList,
  jsonObject,
  limit,
  messageId,
  pageNumber,
  text,
  timestamp,
  version,
} from '../validation/common.js'

const fileId = text(1, 200)
const key = text(1, 200)

const sendFields = {
  /** The sender, or null for a system message. */
  from: address.nullable(),
  /** 1 to 1000 recipients; may be left out when `threadId` names the thread to answer. */
  to: z.array(address).min(1).max(1000).optional(),
  content: jsonObject,
  attachments: z.array(fileId).max(100).optional(),
  threadId: text(1, 200).optional(),
  /** The same sender, key and payload return the original message and store nothing new. */
  idempotencyKey: key.optional(),
  /**
   * Recipients that have not consented: `'reject'` (default) refuses the whole send with one
   * `consent_required` listing them; `'skip'` leaves them out and lists them in `skipped`.
   */
  onConsentMissing: z.enum(['reject', 'skip']).optional(),
}

export const sendInput = z.strictObject({
  ...sendFields,
  /** True: run every check and report what would happen, storing and emitting nothing. */
  dryRun: z.boolean().optional(),
})
/** The second argument of `sendMany`, as `options` (so errors name `options.dryRun`). */
export const sendManyOptions = z.strictObject({
  options: z
    .strictObject({
      /** True: a dry run of the whole batch (see `send`'s `dryRun`). */
      dryRun: z.boolean().optional(),
    })
    .optional(),
})
export const sendManyItem = z.strictObject({ ...sendFields, identifier })
export const sendManyInput = z.array(z.unknown()).min(1).max(1000)

export const broadcastInput = z.strictObject({
  content: jsonObject,
  idempotencyKey: key.optional(),
})

const filters = {
  owner: address,
  box: boxName.optional(),
  unread: z.boolean().optional(),
  threadId: text(1, 200).optional(),
  from: address.optional(),
  /** The content's `@type`. */
  type: text(1, 200).optional(),
  /** Inclusive lower bound on createdAt. */
  createdAfter: timestamp.optional(),
  /** Exclusive upper bound on createdAt. */
  createdBefore: timestamp.optional(),
  order: z.enum(['newest', 'oldest']).optional(),
}

export const listInput = z.strictObject({
  ...filters,
  limit: limit.optional(),
  cursor: text(1, 2000).optional(),
})

export const listPageInput = z.strictObject({
  ...filters,
  page: pageNumber.optional(),
  pageSize: limit.optional(),
})

export const markInput = z
  .strictObject({
    owner: address,
    ids: idList.optional(),
    box: boxName.optional(),
  })
  .check((ctx) => {
    if ((ctx.value.ids === undefined) === (ctx.value.box === undefined)) {
      ctx.issues.push({
        code: 'custom',
        path: ['ids'],
        message:
          'either ids (1 to 1000 message ids) or box (a whole box), not both and not neither',
        input: ctx.value.ids,
      })
    }
  })

export const moveInput = z.strictObject({
  owner: address,
  ids: idList,
  to: boxName,
  /** Only entries in this box move (a message to oneself has one in inbox and one in sent). */
  from: boxName.optional(),
})

export const deleteInput = z.strictObject({
  owner: address,
  ids: idList,
  box: boxName.optional(),
})

export const updateInput = z.strictObject({
  id: messageId,
  /** The sender's address (null for a system message): only the sender may edit. */
  by: address.nullable(),
  content: jsonObject,
  expectedVersion: version,
})

export const retractInput = z.strictObject({
  id: messageId,
  by: address.nullable(),
})

/** Whose view: `owner` must have sent or received the message. */
export const getMessageInput = z.strictObject({
  owner: address,
  id: messageId,
})

/** `owner` must be the sender: receipts tell who read what. */
export const receiptsInput = z.strictObject({
  owner: address,
  id: messageId,
})

export const getItemInput = z.strictObject({
  owner: address,
  id: messageId,
  role: z.enum(['received', 'sent']).optional(),
})

/** A real send's input (`dryRun` absent or false); a dry run's is `SendInput & { dryRun: true }`. */
export type SendInput = Omit<z.input<typeof sendInput>, 'dryRun'> & { dryRun?: false }
export type SendManyItem = z.input<typeof sendManyItem>
/** `sendMany`'s options for a real call; a dry run's are `{ dryRun: true }`. */
export type SendManyOptions = { dryRun?: false }
export type BroadcastInput = z.input<typeof broadcastInput>
export type ListInput = z.input<typeof listInput>
export type ListPageInput = z.input<typeof listPageInput>
export type MarkInput = z.input<typeof markInput>
export type MoveInput = z.input<typeof moveInput>
export type DeleteInput = z.input<typeof deleteInput>
export type UpdateMessageInput = z.input<typeof updateInput>
export type RetractInput = z.input<typeof retractInput>
export type GetItemInput = z.input<typeof getItemInput>
export type GetMessageInput = z.input<typeof getMessageInput>
export type ReceiptsInput = z.input<typeof receiptsInput>
