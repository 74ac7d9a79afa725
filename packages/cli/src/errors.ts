/** A mistake in how the command was called (exit code 2, like an unknown option). */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** Exit codes, as `diff` has them: 0 fine, 1 differences found (verify), 2 trouble. */
export const exitCodes = { ok: 0, differences: 1, trouble: 2 } as const
