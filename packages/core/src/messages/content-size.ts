import type { EngineContext } from '../engine/context.js'
import { PigeonholeError } from '../errors.js'
import type { Content } from '../types.js'

/** Refuses content whose JSON is larger than `limits.maxContentBytes` (UTF-8 bytes). */
export function checkContentSize(ctx: EngineContext, content: Content, where: string): void {
  const bytes = Buffer.byteLength(JSON.stringify(content))
  const max = ctx.limits.maxContentBytes
  if (bytes > max) {
    throw new PigeonholeError(
      'invalid_input',
      `${where}: content: expected at most ${max} bytes of JSON, got ${bytes} bytes`,
      { field: 'content', expected: `at most ${max} bytes`, got: `${bytes} bytes` },
    )
  }
}
