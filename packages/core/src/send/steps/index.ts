import type { SendPolicy } from '../policy.js'
import { accountsExist } from './accounts-exist.js'
import { attachmentsStep } from './attachments.js'
import { consentStep } from './consent.js'
import { recipientCount } from './recipient-count.js'
import { remoteRouting } from './remote-routing.js'
import { requestContentStep } from './request-content.js'
import { threadMembership } from './thread-membership.js'

/**
 * The built-in policy steps, in the order they run (before the host's `policies`). A new
 * check (content handlers, attachment access, remote routing) is a file here and a
 * line in this list; the write step does not change.
 */
export const builtinSteps: readonly SendPolicy[] = [
  threadMembership,
  recipientCount,
  accountsExist,
  consentStep,
  requestContentStep,
  attachmentsStep,
  remoteRouting,
]
