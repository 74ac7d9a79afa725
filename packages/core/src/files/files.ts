import { normalizeAddress } from '../engine/addresses.js'
import type { EngineContext } from '../engine/context.js'
import { PigeonholeError } from '../errors.js'
import { parseInput } from '../validation/parse.js'
import type { ChunkStore } from './chunk-store.js'
import { openDownload, readAll } from './download.js'
import { checkMasterKey, type MasterKeys } from './master-key.js'
import { fileRow, maySee, noFile, toFileMeta } from './queries.js'
import { rotateMasterKey } from './rotate.js'
import {
  type AttachmentInput,
  attachmentInput,
  type FileRefInput,
  fileRef,
  type UploadInput,
} from './schemas.js'
import { deleteIfOrphan, sweepFiles } from './sweep.js'
import type { FileDownload, FileMeta, FileSweepResult, RotateResult } from './types.js'
import { upload } from './upload.js'

/** The files facade's configuration (see `PigeonholeOptions.files`). */
export interface FilesConfig {
  readonly chunks: ChunkStore
  readonly keys: MasterKeys
  readonly maxFileSize: number
  readonly chunkSize: number
}

/** Upload, read, download and delete files (encrypted at rest), sweep, rotate the master key. */
export class Files {
  readonly #ctx: EngineContext
  readonly #config: FilesConfig

  constructor(ctx: EngineContext, config: FilesConfig) {
    this.#ctx = ctx
    this.#config = config
  }

  /**
   * Uploads a file for `owner` (a registered account), streaming `data` chunk by chunk to
   * storage. Larger than `files.maxFileSize`: `file_too_large`, and nothing is kept.
   */
  upload(input: UploadInput): Promise<FileMeta> {
    return upload(this.#ctx, this.#config, input)
  }

  /**
   * The file's metadata if `owner` may see it: they uploaded it (and did not delete it), or
   * they sent or received a message that attaches it. Null otherwise, as for an unknown id.
   * An expired file shows `expired: true`. Any file: `admin.getFile`.
   */
  async get(input: FileRefInput): Promise<FileMeta | null> {
    const { owner, id } = this.#ref(input, 'files.get')
    const row = await fileRow(this.#ctx.db, id)
    if (!row || row.status === 'uploading' || row.status === 'deleting') return null
    if (!(await maySee(this.#ctx.db, row, owner))) return null
    return toFileMeta(row, this.#ctx.clock.now())
  }

  /**
   * The plaintext as a web stream, read and verified chunk by chunk as it is consumed, for
   * whoever may see the file (see `get`): anyone else gets `forbidden`, an unknown id
   * `not_found` (also an expired file, with `details.expired`). A stored chunk that fails its
   * check errors the stream with `integrity_error`. Read the stream before `close()`.
   */
  async download(input: FileRefInput): Promise<FileDownload> {
    const where = 'files.download'
    const { owner, id } = this.#ref(input, where)
    const row = await fileRow(this.#ctx.db, id)
    if (!row || row.status === 'uploading' || row.status === 'deleting') throw noFile(id, where)
    if (!(await maySee(this.#ctx.db, row, owner))) {
      throw new PigeonholeError(
        'forbidden',
        `${where}: owner: "${owner}" may not read file "${id}" (not its owner, and no message of theirs attaches it)`,
        { field: 'owner', id, owner },
      )
    }
    return openDownload(this.#ctx, this.#config, row, where)
  }

  /** `download` read to the end: the whole plaintext in memory (for small files). */
  async downloadBytes(input: FileRefInput): Promise<Uint8Array> {
    const { file, stream } = await this.download(input)
    return readAll(file, stream)
  }

  /**
   * The owner lets go of their file: they no longer see or attach it. Messages that attach it
   * still give it to their senders and recipients; once none does, it is deleted (now, or by
   * the sweep). `not_found` unless `owner` has it.
   */
  async delete(input: FileRefInput): Promise<void> {
    const where = 'files.delete'
    const { owner, id } = this.#ref(input, where)
    const marked = await this.#ctx.write(async (tx) => {
      const done = await tx.db
        .updateTable('files')
        .set({ deleted_at: tx.now, updated_at: tx.now })
        .where('id', '=', id)
        .where('owner', '=', owner)
        .where('deleted_at', 'is', null)
        .where('status', 'in', ['ready', 'expired'])
        .executeTakeFirst()
      return Number(done.numUpdatedRows) === 1
    }, where)
    if (!marked) throw noFile(id, where)
    await deleteIfOrphan(this.#ctx, this.#config, id)
  }

  /**
   * Deletes the contents of expired files (metadata kept for messages), files nobody
   * references any more, and uploads a crash left unfinished. Runs every
   * `files.sweepIntervalMs` on its own.
   */
  sweep(): Promise<FileSweepResult> {
    return sweepFiles(this.#ctx, this.#config)
  }

  /**
   * Re-wraps every file key under `newKey` (32 bytes), in short transactions, without touching
   * file contents; new uploads use it at once. With `files.masterKey` in the options, pass
   * `newKey` there from the next open on; a generated key is replaced in the store.
   */
  rotateMasterKey(newKey: Uint8Array): Promise<RotateResult> {
    const where = 'files.rotateMasterKey'
    return rotateMasterKey(this.#ctx, this.#config, checkMasterKey(newKey, where, 'newKey'))
  }

  /**
   * A message's attachment, through the message: `owner` sent or received message
   * `messageId` (else `not_found`, as for an unknown message) and it attaches `fileId` (else
   * `not_found`).
   */
  async attachment(input: AttachmentInput): Promise<FileDownload> {
    const where = 'files.attachment'
    const parsed = parseInput(attachmentInput, input, where)
    const owner = normalizeAddress(parsed.owner, this.#ctx.peerId)
    const link = await this.#ctx.db
      .selectFrom('message_files as mf')
      .innerJoin('box_entries as e', 'e.message_id', 'mf.message_id')
      .select('mf.file_id')
      .where('mf.message_id', '=', parsed.messageId)
      .where('mf.file_id', '=', parsed.fileId)
      .where('e.owner', '=', owner)
      .limit(1)
      .executeTakeFirst()
    const row = link && (await fileRow(this.#ctx.db, parsed.fileId))
    if (!row) {
      throw new PigeonholeError(
        'not_found',
        `${where}: no file "${parsed.fileId}" attached to a message "${parsed.messageId}" of "${owner}"`,
        { field: 'fileId', messageId: parsed.messageId, fileId: parsed.fileId },
      )
    }
    return openDownload(this.#ctx, this.#config, row, where)
  }

  #ref(input: FileRefInput, where: string) {
    const parsed = parseInput(fileRef, input, where)
    return { owner: normalizeAddress(parsed.owner, this.#ctx.peerId), id: parsed.id }
  }
}
