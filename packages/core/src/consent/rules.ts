import type { ConsentCheck, ConsentMode, ConsentState } from '../types.js'

/** The sender of system messages and broadcasts: a reserved address no account may take. */
export const systemSender = 'system'

/** The box a message from an `unknown` sender lands in, for an account in mode `requests`. */
export const requestsBox = 'requests'

/** What an account holds about `sender` with no row: `system` is allowed until revoked. */
export function defaultState(sender: string): ConsentState {
  return sender === systemSender ? 'allowed' : 'unknown'
}

const inbox: ConsentCheck = { allowed: true, box: 'inbox' }
const toRequests: ConsentCheck = { allowed: true, box: 'requests' }
const revoked: ConsentCheck = { allowed: false, reason: 'revoked' }
const notGranted: ConsentCheck = { allowed: false, reason: 'not_granted' }

/**
 * The one rule of consent, per mode: `open` takes anyone not denied; `opt-in` only allowed
 * senders; `requests` puts unknown senders in the `requests` box. `state` is already the
 * stored state or the default (`defaultState`).
 */
export function judgeConsent(mode: ConsentMode, state: ConsentState): ConsentCheck {
  if (state === 'denied') return revoked
  if (state === 'allowed' || mode === 'open') return inbox
  return mode === 'requests' ? toRequests : notGranted
}
