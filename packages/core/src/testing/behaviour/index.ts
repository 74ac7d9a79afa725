import { describe } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { describeAccess } from './access.js'
import { describeAccounts } from './accounts.js'
import { describeAddresses } from './addresses.js'
import { describeApiKeys } from './api-keys.js'
import { describeBoxes } from './boxes.js'
import { describeBroadcast } from './broadcast.js'
import { describeClose } from './close.js'
import { describeConcurrentSends } from './concurrent-sends.js'
import { describeConsentChanges } from './consent-changes.js'
import { describeConsentFeed } from './consent-feed.js'
import { describeConsentModes } from './consent-modes.js'
import { describeConsentSend } from './consent-send.js'
import { describeContent } from './content.js'
import { describeContentRoundTrip } from './content-round-trip.js'
import { describeCursorBinding } from './cursor-binding.js'
import { describeDelivery } from './delivery.js'
import { describeDeliveryFiles } from './delivery-files.js'
import { describeDeliveryRequests } from './delivery-requests.js'
import { describeDryRun } from './dry-run.js'
import { describeErrorFields } from './error-fields.js'
import { describeErrors } from './errors.js'
import { describeEvents } from './events.js'
import { describeEventsBackpressure } from './events-backpressure.js'
import { describeEventsSinceBound } from './events-since-bound.js'
import { describeFilesAccess } from './files-access.js'
import { describeFilesAttachments } from './files-attachments.js'
import { describeFilesBlobStore } from './files-blob-store.js'
import { describeFilesKeys } from './files-keys.js'
import { describeFilesLifecycle } from './files-lifecycle.js'
import { describeFilesUpload } from './files-upload.js'
import { describeIdempotency } from './idempotency.js'
import { describeInjection } from './injection.js'
import { describeList } from './list.js'
import { describeListPage } from './list-page.js'
import { describeListingSearch } from './listing-search.js'
import { describeMark } from './mark.js'
import { describeMarkBox } from './mark-box.js'
import { describeMigrations } from './migrations.js'
import { describeMoveDelete } from './move-delete.js'
import { describeOptions } from './options.js'
import { describePolicies } from './policies.js'
import { describeRateLimits } from './rate-limits.js'
import { describeReceipts } from './receipts.js'
import { describeRemoteContent } from './remote-content.js'
import { describeSend } from './send.js'
import { describeSendMany } from './send-many.js'
import { describeSubscriberErrors } from './subscriber-errors.js'
import { describeThreads } from './threads.js'
import { describeUpdateRetract } from './update-retract.js'
import { describeValidation } from './validation.js'
import { describeVerify } from './verify.js'
import { describeVersions } from './versions.js'

/**
 * Every behaviour of the engine and its error cases, against the store under test. Each test
 * opens its own engine on a fresh store and must leave `verify()` empty.
 */
export function describeBehaviour(options: ConformanceOptions): void {
  describe('behaviour', () => {
    describeAccounts(options)
    describeApiKeys(options)
    describeAddresses(options)
    describeSend(options)
    describeSendMany(options)
    describeConcurrentSends(options)
    describeBroadcast(options)
    describePolicies(options)
    describeConsentModes(options)
    describeConsentSend(options)
    describeConsentChanges(options)
    describeConsentFeed(options)
    describeListingSearch(options)
    describeRateLimits(options)
    describeDryRun(options)
    describeList(options)
    describeListPage(options)
    describeCursorBinding(options)
    describeMark(options)
    describeMarkBox(options)
    describeMoveDelete(options)
    describeUpdateRetract(options)
    describeReceipts(options)
    describeRemoteContent(options)
    describeDelivery(options)
    describeDeliveryFiles(options)
    describeDeliveryRequests(options)
    describeAccess(options)
    describeVersions(options)
    describeIdempotency(options)
    describeBoxes(options)
    describeThreads(options)
    describeEvents(options)
    describeEventsBackpressure(options)
    describeEventsSinceBound(options)
    describeSubscriberErrors(options)
    describeFilesUpload(options)
    describeFilesAccess(options)
    describeFilesAttachments(options)
    describeFilesLifecycle(options)
    describeFilesKeys(options)
    describeFilesBlobStore(options)
    describeClose(options)
    describeMigrations(options)
    describeVerify(options)
    describeContent(options)
    describeContentRoundTrip(options)
    describeValidation(options)
    describeErrors(options)
    describeErrorFields(options)
    describeOptions(options)
    describeInjection(options)
  })
}
