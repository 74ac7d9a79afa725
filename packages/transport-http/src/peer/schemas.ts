import { z } from '@hono/zod-openapi'
import type { Delivery, DeliveryAck, Json } from '@pigeonhole/core'

/**
 * The wire bodies of the peer endpoint, as zod schemas: the endpoint validates with them and
 * the same schemas describe it in the OpenAPI document. Objects are not strict: a field a newer
 * peer adds is dropped, not refused.
 */

/**
 * A peer id: 1 to 255 visible ASCII characters, no `@` (it goes in `bob@<peer id>`) and no
 * whitespace (it goes in a header and in the signed text, one per line).
 */
export const peerIdPattern = /^[\x21-\x3f\x41-\x7e]{1,255}$/

export const PeerId = z.string().regex(peerIdPattern).openapi({ example: 'other' })

const Id = z.string().min(1).max(1024)
// Not z.json(): its recursion has no name, and the OpenAPI generator recurses into it forever.
// Named, the recursion is a $ref.
const JsonValue: z.ZodType<Json> = z
  .lazy(() =>
    z.union([
      z.string(),
      z.number(),
      z.boolean(),
      z.null(),
      z.array(JsonValue),
      z.record(z.string(), JsonValue),
    ]),
  )
  .openapi('JsonValue', { description: 'any JSON value' })
const JsonObject = z.record(z.string(), JsonValue)

export const DeliveredFileSchema = z
  .object({
    id: Id,
    name: z.string(),
    mimeType: z.string(),
    size: z.number().int().nonnegative(),
    sha256: z.string(),
    key: z.string().openapi({ description: 'the file key, base64url (the link must be TLS)' }),
    header: z.string().openapi({ description: 'the file format header, base64url' }),
    chunks: z.array(z.string()).openapi({ description: 'sealed chunks in order, base64url' }),
    expiresAt: z.number().nullable(),
  })
  .openapi('DeliveredFile')

export const MessageDeliverySchema = z
  .object({
    kind: z.literal('message'),
    id: Id,
    message: z.object({
      id: Id,
      from: z.string(),
      to: z.array(z.string()),
      for: z.array(z.string()),
      content: JsonObject,
      attachments: z.array(DeliveredFileSchema),
      threadId: z.string().nullable(),
      createdAt: z.number(),
    }),
  })
  .openapi('MessageDelivery')

export const ReceiptDeliverySchema = z
  .object({
    kind: z.literal('receipt'),
    id: Id,
    messageId: Id,
    recipient: z.string(),
    status: z.enum(['delivered', 'read', 'failed']),
    at: z.number(),
    code: z.string().optional(),
    message: z.string().optional(),
  })
  .openapi('ReceiptDelivery')

export const DeliverySchema = z
  .discriminatedUnion('kind', [MessageDeliverySchema, ReceiptDeliverySchema])
  .openapi('Delivery')

export const DeliveryAckSchema = z
  .object({
    id: Id,
    status: z.enum(['accepted', 'duplicate', 'refused']),
    code: z.string().optional(),
    message: z.string().optional(),
    details: JsonObject.optional(),
  })
  .openapi('DeliveryAck')

/** `POST /peer/v1/deliveries`: a batch from the peer `from` (the signing peer). */
export const DeliveriesRequestSchema = z
  .object({ from: PeerId, deliveries: z.array(DeliverySchema) })
  .openapi('DeliveriesRequest')

/** The answer, one ack per delivery in the batch's order, sent once the receiver committed. */
export const DeliveriesResponseSchema = z
  .object({ acks: z.array(DeliveryAckSchema) })
  .openapi('DeliveriesResponse')

export const ErrorResponseSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .openapi('PeerError')

export type DeliveriesRequest = z.infer<typeof DeliveriesRequestSchema>
export type DeliveriesResponse = z.infer<typeof DeliveriesResponseSchema>
export type ErrorResponse = z.infer<typeof ErrorResponseSchema>

// The schemas must agree with the port: what they accept is a Delivery / DeliveryAck.
type Assignable<A extends B, B> = A
export type _DeliveryFits = Assignable<z.infer<typeof DeliverySchema>, Delivery>
export type _AckFits = Assignable<z.infer<typeof DeliveryAckSchema>, DeliveryAck>
export type _AckBack = Assignable<DeliveryAck, z.infer<typeof DeliveryAckSchema>>
