import { PigeonholeError } from '../errors.js'

/**
 * Carries what a policy step threw out of the store's transaction runner, which would wrap
 * any other error as `store_error` (PostgreSQL) or even retry it (an error whose `code` looks
 * like a SQLSTATE). The transaction rolls back; `unwrapPolicyError` gives the caller the
 * original error.
 */
export class PolicyThrew extends PigeonholeError {
  constructor(policy: string, cause: unknown) {
    super('refused', `policy "${policy}" threw`, { policy }, { cause })
  }
}

/** The error a policy threw, as it threw it; any other error unchanged. */
export function unwrapPolicyError(error: unknown): never {
  throw error instanceof PolicyThrew ? error.cause : error
}
