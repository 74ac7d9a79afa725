import type { EngineContext } from '../engine/context.js'
import { PigeonholeError } from '../errors.js'
import type { Content } from '../types.js'

/**
 * The content as JSON text, serialized once for both the size check and the row; refuses it
 * when larger than `limits.maxContentBytes` (UTF-8 bytes). Content too large for a JavaScript
 * string (JSON.stringify throws a RangeError) is refused the same way.
 */
export function contentJson(ctx: EngineContext, content: Content, where: string): string {
  const max = ctx.limits.maxContentBytes
  let json: string
  try {
    json = JSON.stringify(content)
  } catch (error) {
    // The content passed validation (at most 64 levels deep): only its length can fail here.
    if (!(error instanceof RangeError)) throw error
    throw tooLarge(where, max, 'more than a JavaScript string holds')
  }
  const bytes = Buffer.byteLength(json)
  if (bytes > max) throw tooLarge(where, max, `${bytes} bytes`)
  return json
}

function tooLarge(where: string, max: number, got: string): PigeonholeError {
  return new PigeonholeError(
    'invalid_input',
    `${where}: content: expected at most ${max} bytes of JSON, got ${got}`,
    { field: 'content', expected: `at most ${max} bytes`, got },
  )
}
