import { z } from 'zod'
import { address, text } from '../validation/common.js'

export const createApiKeyInput = z.strictObject({
  /** The account every call made with the key acts as; left out or null: an admin key. */
  account: address.nullish(),
  /** What the key is for (shown in lists, never secret): 1 to 200 characters. */
  label: text(1, 200),
})

export const apiKeyId = text(1, 200)
/** A key as presented: at most 512 characters (longer is no key of ours). */
export const apiKeyText = z.string().max(512)

export type CreateApiKeyInput = z.input<typeof createApiKeyInput>
