/** What the engine tells about a file: its metadata, never its contents or keys. */
export interface FileMeta {
  /** `fil_...`: what `messages.send({ attachments })` names. */
  id: string
  /** The account that uploaded it. */
  owner: string
  name: string
  mimeType: string
  /** Plaintext bytes. */
  size: number
  /** SHA-256 of the plaintext, lowercase hex. */
  sha256: string
  createdAt: number
  /** When the sweep deletes its contents; null: never. */
  expiresAt: number | null
  /**
   * True once `expiresAt` has passed: the contents are gone (or go with the next sweep) and no
   * one can download it; messages that attach it still show this metadata.
   */
  expired: boolean
}

/** A download: the file's metadata, and its plaintext as it is read and verified. */
export interface FileDownload {
  file: FileMeta
  /**
   * The plaintext, chunk by chunk, each released only after it verified. A stored chunk that
   * fails its check errors the stream with `integrity_error` (nothing of that chunk is given).
   */
  stream: ReadableStream<Uint8Array>
}

/** What `files.sweep()` removed. */
export interface FileSweepResult {
  /** Files past `expiresAt` whose contents and key were deleted. */
  expired: number
  /** Files no message and no owner references any more, deleted with their metadata. */
  orphans: number
  /** Uploads left unfinished (a crash mid-upload), deleted with what they had written. */
  staleUploads: number
}

/** What `files.rotateMasterKey` did. */
export interface RotateResult {
  /** File keys re-wrapped under the new master key. */
  rewrapped: number
}

/**
 * Where the sealed chunks of files are kept when not in the database: `fsBlobStore({ dir })`,
 * or a host's own (object storage...). Chunks are ciphertext; the engine checks every byte it
 * reads back, so a store needs no integrity of its own. Each call is for one file's chunk(s).
 */
export interface BlobStore {
  /** Stores chunk `index` of file `fileId` (replacing one stored under that index). */
  put(fileId: string, index: number, bytes: Uint8Array): Promise<void>
  /** Chunk `index` of `fileId`, or undefined when none is stored. */
  get(fileId: string, index: number): Promise<Uint8Array | undefined>
  /** Deletes every chunk of `fileId`; resolves also when there is none. */
  delete(fileId: string): Promise<void>
}
