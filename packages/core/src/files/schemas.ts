import { z } from 'zod'
import { address, text, timestamp } from '../validation/common.js'

/** A file id as the engine hands them out (`fil_...`); any 1 to 200 characters are looked up. */
export const fileId = text(1, 200)

/** `type/subtype` with optional parameters, as in a Content-Type header. */
const mimeType = text(1, 255).regex(
  /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(\s*;.*)?$/,
  'a MIME type like "image/png" or "text/plain; charset=utf-8"',
)

/** What `upload` takes as `data`. */
export type FileData = Uint8Array | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>

const data = z.custom<FileData>(
  (v) =>
    v instanceof Uint8Array ||
    (typeof v === 'object' &&
      v !== null &&
      (typeof (v as ReadableStream).getReader === 'function' ||
        typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function')),
  { error: 'a Uint8Array, an AsyncIterable<Uint8Array> or a ReadableStream<Uint8Array>' },
)

export const uploadInput = z.strictObject({
  owner: address,
  /** Shown to recipients: 1 to 255 characters. */
  name: text(1, 255),
  mimeType,
  data,
  /** Ms since the epoch, after now: then the sweep deletes its contents. Default: never. */
  expiresAt: timestamp.optional(),
})

export const fileRef = z.strictObject({ owner: address, id: fileId })

export const attachmentInput = z.strictObject({
  owner: address,
  messageId: text(1, 200),
  fileId,
})

export type UploadInput = z.input<typeof uploadInput>
/** Whose view (`owner`) of which file (`id`). */
export type FileRefInput = z.input<typeof fileRef>
export type AttachmentInput = z.input<typeof attachmentInput>
