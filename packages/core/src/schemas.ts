/**
 * The zod input schemas of the public API, for hosts that validate the same input elsewhere
 * (the REST API validates its bodies with them and builds its OpenAPI document from them).
 */
export {
  listInput as listAccountsInput,
  registerInput as registerAccountInput,
  updateInput as updateAccountInput,
} from './accounts/schemas.js'
export { createApiKeyInput } from './api-keys/schemas.js'
export {
  changeInput as consentChangeInput,
  checkInput as consentCheckInput,
  feedInput as consentFeedInput,
  listInput as consentListInput,
} from './consent/schemas.js'
export { attachmentInput, fileRef, uploadInput } from './files/schemas.js'
export {
  broadcastInput,
  deleteInput,
  getItemInput,
  getMessageInput,
  listInput as listMessagesInput,
  listPageInput,
  markInput,
  moveInput,
  receiptsInput,
  retractInput,
  sendInput,
  sendManyItem,
  updateInput as updateMessageInput,
} from './messages/schemas.js'
export {
  acceptRequestInput,
  createRequestInput,
  getRequestInput,
  listRequestsInput,
  rejectRequestInput,
  requestContent,
  responseContent,
} from './requests/schemas.js'
export {
  closeThreadInput,
  createThreadInput,
  getThreadInput,
  listThreadsInput,
} from './threads/schemas.js'
export { address, jsonObject } from './validation/common.js'
