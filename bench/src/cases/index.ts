import type { BenchCase } from '../lib/case.js'
import { broadcastCase } from './broadcast.js'
import { countsScaleCase } from './counts-scale.js'
import { eventsBackpressureCase } from './events-backpressure.js'
import { fileCryptoCase } from './file-crypto.js'
import { fileStreamCase } from './file-stream.js'
import { getItemCase } from './get-item.js'
import { httpDeliveryCase } from './http-delivery.js'
import { markReadCase } from './mark-read.js'
import { pageCase } from './page.js'
import { pageScaleCase } from './page-scale.js'
import { pgEventLatencyCase } from './pg-event-latency.js'
import { pgInstancesCase } from './pg-instances.js'
import { pgMarkReadCase } from './pg-mark-read.js'
import { pgPageCase } from './pg-page.js'
import { pgSendCase } from './pg-send.js'
import { restSendCase } from './rest-send.js'
import { sendCase } from './send.js'
import { sendDurableCase } from './send-durable.js'
import { sendManyCase } from './send-many.js'
import { sendPolicyCase } from './send-policy.js'

/** Every benchmark, in the order `npm run bench` runs them. Add a case: one file, one line. */
export const cases: readonly BenchCase[] = [
  sendCase,
  sendPolicyCase,
  sendDurableCase,
  pageCase,
  sendManyCase,
  broadcastCase,
  pageScaleCase,
  countsScaleCase,
  getItemCase,
  markReadCase,
  pgSendCase,
  pgPageCase,
  pgMarkReadCase,
  pgEventLatencyCase,
  pgInstancesCase,
  fileCryptoCase,
  fileStreamCase,
  eventsBackpressureCase,
  httpDeliveryCase,
  restSendCase,
]
