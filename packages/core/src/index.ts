export { openPigeonhole, type Pigeonhole, type PigeonholeOptions } from './engine.js'
export { PigeonholeError, isPigeonholeError, errorCodes, type ErrorCode } from './errors.js'
export type { Store, StoreCapabilities, Dialect, TransactionBody } from './store-port.js'
export type { Database } from './db/schema.js'
export type { Limits } from './engine/context.js'
export { ulidIds, systemClock } from './engine/ids.js'
export type { Accounts } from './accounts/accounts.js'
export type { Messages, SendManyResult, SendManyItemResult } from './messages/messages.js'
export type { ChangeResult } from './messages/mark.js'
export type { Boxes } from './boxes/boxes.js'
export type { Threads } from './threads/threads.js'
export type { RegisterInput, UpdateAccountInput, ListAccountsInput } from './accounts/schemas.js'
export type {
  SendInput,
  SendManyItem,
  BroadcastInput,
  ListInput,
  ListPageInput,
  MarkInput,
  MoveInput,
  DeleteInput,
  UpdateMessageInput,
  RetractInput,
  GetItemInput,
} from './messages/schemas.js'
export type { CreateThreadInput, ListThreadsInput, CloseThreadInput } from './threads/schemas.js'
export type * from './types.js'
