import type { EngineContext } from '../engine/context.js'
import { PigeonholeError } from '../errors.js'
import { knownBoxes } from './boxes.js'
import { countedBoxes, hasCountedBox } from './counts.js'

/** `inbox` and `sent` always exist; a custom box exists once something was moved into it. */
export async function requireBox(
  ctx: EngineContext,
  owner: string,
  box: string,
  where: string,
  field: string,
): Promise<void> {
  if (knownBoxes.includes(box)) return
  if (await hasCountedBox(ctx.db, owner, box)) return
  const custom = await countedBoxes(ctx.db, owner)
  const names = [...new Set([...knownBoxes, ...custom])]
  throw new PigeonholeError(
    'invalid_input',
    `${where}: ${field}: expected one of ${names.map((n) => `"${n}"`).join(', ')} (the boxes of "${owner}"), got "${box}"`,
    { field, expected: names, got: box },
  )
}
