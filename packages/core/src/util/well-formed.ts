/** Lone UTF-16 surrogates (a high one without its low one, or the other way round). */
const loneSurrogates = /[\ud800-\udfff]/gu

/**
 * True when `text` has no lone UTF-16 surrogate. PostgreSQL refuses them (22P02) and a
 * UTF-8 encoder turns them into U+FFFD, so neither store would keep what it was given.
 */
export function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed()
}

/** `text` with NUL and lone surrogates written as `\u0000`, `\ud800`: safe in a message. */
export function escapeUnsafe(text: string): string {
  return text
    .replaceAll('\u0000', '\\u0000')
    .replace(loneSurrogates, (c) => `\\u${c.charCodeAt(0).toString(16)}`)
}
