export type { Accounts } from './accounts/accounts.js'
export type { ListAccountsInput, RegisterInput, UpdateAccountInput } from './accounts/schemas.js'
export type { Admin } from './admin/admin.js'
export {
  type ApiKey,
  type ApiKeys,
  apiKeyPrefix,
  type CreatedApiKey,
  hashApiKey,
} from './api-keys/api-keys.js'
export type { CreateApiKeyInput } from './api-keys/schemas.js'
export type { Boxes } from './boxes/boxes.js'
export type { Consent } from './consent/consent.js'
export type {
  ConsentChangeInput,
  ConsentCheckInput,
  ConsentFeedInput,
  ConsentListInput,
} from './consent/schemas.js'
export type { Database } from './db/schema.js'
export type { DeliveryOptions } from './delivery/options.js'
export type { Limits } from './engine/context.js'
export { systemClock, ulidIds } from './engine/ids.js'
export {
  openPigeonhole,
  type Pigeonhole,
  type PigeonholeOptions,
} from './engine.js'
export { type ErrorCode, errorCodes, isPigeonholeError, PigeonholeError } from './errors.js'
export type { EventPage, EventStream, EventsFacade } from './events/events-facade.js'
export { eventFromRow } from './events/queries.js'
export type { Files } from './files/files.js'
export { type FsBlobStoreOptions, fsBlobStore } from './files/fs-blob-store.js'
export type { AttachmentInput, FileData, FileRefInput, UploadInput } from './files/schemas.js'
export type {
  BlobStore,
  FileDownload,
  FileMeta,
  FileSweepResult,
  RotateResult,
} from './files/types.js'
export type { ChangeResult } from './messages/mark.js'
export type { MarkedEntry } from './messages/mark-rows.js'
export type {
  DryRunInput,
  DryRunRecipient,
  DryRunResult,
  ErrorInfo,
  Messages,
  SendManyDryRunItem,
  SendManyDryRunResult,
  SendManyItemResult,
  SendManyResult,
} from './messages/messages.js'
export type {
  BroadcastInput,
  DeleteInput,
  GetItemInput,
  GetMessageInput,
  ListInput,
  ListPageInput,
  MarkInput,
  MoveInput,
  ReceiptsInput,
  RetractInput,
  SendInput,
  SendManyItem,
  SendManyOptions,
  UpdateMessageInput,
} from './messages/schemas.js'
export { builtinProcessors } from './requests/processors.js'
export type { Requests } from './requests/requests.js'
export type {
  AcceptRequestInput,
  CreateRequestInput,
  GetRequestInput,
  ListRequestsInput,
  RejectRequestInput,
} from './requests/schemas.js'
export type * from './requests/types.js'
export * as inputSchemas from './schemas.js'
export type {
  PolicyReader,
  Refusal,
  SendBatch,
  SendItem,
  SendPolicy,
  ThreadInfo,
  Verdicts,
} from './send/policy.js'
export type { RateLimit, RateLimitOptions } from './send/rate-limit.js'
export type {
  Dialect,
  NumberedEvents,
  Store,
  StoreCapabilities,
  StoreEventFeed,
  SyncReads,
  SyncStatements,
  TransactionBody,
} from './store-port.js'
export { resultUnused } from './store-port.js'
export type { CloseThreadInput, CreateThreadInput, ListThreadsInput } from './threads/schemas.js'
export type { Threads } from './threads/threads.js'
export type { NetworkFaults } from './transport/faults.js'
export { ManualClock } from './transport/manual-clock.js'
export {
  type DeliverHook,
  MemoryNetwork,
  type MemoryNetworkOptions,
  memoryNetwork,
  type SettleOptions,
} from './transport/memory-network.js'
export type { OpenPeer, PeerContext } from './transport/peer-handles.js'
export {
  type DeliveredFile,
  type Delivery,
  type DeliveryAck,
  type DeliveryReceiver,
  type MessageDelivery,
  type ReceiptDelivery,
  type Transport,
  TransportError,
} from './transport/port.js'
export type { SteppableClock } from './transport/wire-timers.js'
export type * from './types.js'
export { Coalescer } from './util/coalescer.js'
export { invalidInput } from './validation/parse.js'
export {
  closest,
  functionOption,
  integerOption,
  numberOption,
  parseOptions,
  withMethods,
} from './validation/parse-options.js'
export type {
  WebhookRunner,
  WebhookRunnerOptions,
  WebhookSend,
  WebhookSendResult,
  WebhookTarget,
} from './webhooks/runner.js'
export type {
  WebhookEndpointState,
  WebhookQueueState,
  Webhooks,
} from './webhooks/webhooks.js'
