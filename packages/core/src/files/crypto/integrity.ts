import { PigeonholeError } from '../../errors.js'

/** The error every failed check of stored file data raises: `integrity_error`. */
export function integrityError(message: string, details: Record<string, unknown> = {}) {
  return new PigeonholeError('integrity_error', message, details)
}

/** `invalid_input` for a caller's mistake (a key of the wrong length, a bad option). */
export function invalidInput(message: string, details: Record<string, unknown> = {}) {
  return new PigeonholeError('invalid_input', message, details)
}

/** Throws `invalid_input` unless `bytes` is a Uint8Array of exactly `length` bytes. */
export function assertBytes(bytes: unknown, length: number, what: string): Uint8Array {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw invalidInput(`${what} must be ${length} bytes`, { what })
  }
  return bytes
}
