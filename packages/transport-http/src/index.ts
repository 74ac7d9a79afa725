export { type HttpTransport, httpTransport } from './http-transport.js'
export type { HttpTransportOptions } from './options.js'
export { deliveriesPath, deliveriesRoute, peerApp } from './peer/endpoint.js'
export {
  DeliveredFileSchema,
  DeliveriesRequestSchema,
  DeliveriesResponseSchema,
  DeliveryAckSchema,
  DeliverySchema,
  ErrorResponseSchema,
  MessageDeliverySchema,
  ReceiptDeliverySchema,
} from './peer/schemas.js'
export {
  peerHeader,
  signatureHeader,
  signRequest,
  signResponse,
  timestampHeader,
} from './peer/signing.js'
export * from './rest/index.js'
export { parseRetryAfter } from './retry-after.js'
export {
  newWebhookSecret,
  signWebhook,
  type WebhookEndpoint,
  type WebhooksOptions,
  webhookBody,
  webhookId,
  webhooks,
} from './webhooks/webhooks.js'
