import type { EngineContext } from '../engine/context.js'
import { PigeonholeError } from '../errors.js'
import type { Content } from '../types.js'

/**
 * The content as JSON text, serialized once for both the size check and the row; refuses it
 * when larger than `limits.maxContentBytes` (UTF-8 bytes).
 */
export function contentJson(ctx: EngineContext, content: Content, where: string): string {
  const json = JSON.stringify(content)
  const bytes = Buffer.byteLength(json)
  const max = ctx.limits.maxContentBytes
  if (bytes > max) {
    throw new PigeonholeError(
      'invalid_input',
      `${where}: content: expected at most ${max} bytes of JSON, got ${bytes} bytes`,
      { field: 'content', expected: `at most ${max} bytes`, got: `${bytes} bytes` },
    )
  }
  return json
}
