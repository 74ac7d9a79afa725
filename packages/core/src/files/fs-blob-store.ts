import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PigeonholeError } from '../errors.js'
import type { BlobStore } from './types.js'

export interface FsBlobStoreOptions {
  /** The directory the chunks go in (created if missing): `<dir>/<fileId>/<index>`. */
  dir: string
  /**
   * Flush every chunk (and its directory entry) to the disk before `put` resolves, so a file
   * reported uploaded survives a power loss. Default: false (the OS writes it back soon; a
   * process crash loses nothing, a power loss may lose the newest chunks: the download of
   * such a file then fails with `integrity_error`).
   */
  fsync?: boolean
}

/** File ids are the engine's own (`fil_...`); anything else never becomes a path. */
const safeId = /^[A-Za-z0-9_-]{1,200}$/

function checkId(fileId: string): string {
  if (!safeId.test(fileId)) {
    throw new PigeonholeError('invalid_input', `fsBlobStore: not a file id: "${fileId}"`, {
      field: 'fileId',
    })
  }
  return fileId
}

/**
 * Sealed chunks as files in a directory. Each chunk is written to a temporary name, then
 * renamed into place, so a reader never sees half a chunk.
 */
export function fsBlobStore(options: FsBlobStoreOptions): BlobStore {
  const { dir, fsync = false } = options
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new PigeonholeError('invalid_input', 'fsBlobStore: dir: expected a directory path', {
      field: 'dir',
    })
  }
  const made = new Set<string>()
  const folder = async (fileId: string) => {
    const path = join(dir, checkId(fileId))
    if (!made.has(path)) {
      await mkdir(path, { recursive: true })
      made.add(path)
    }
    return path
  }
  return {
    async put(fileId, index, bytes) {
      const path = await folder(fileId)
      const target = join(path, String(index))
      const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`
      try {
        if (fsync) {
          const handle = await open(temp, 'w')
          try {
            await handle.writeFile(bytes)
            await handle.sync()
          } finally {
            await handle.close()
          }
        } else {
          await writeFile(temp, bytes)
        }
        await rename(temp, target)
      } catch (error) {
        await unlink(temp).catch(() => {})
        throw error
      }
      if (fsync) {
        const handle = await open(path, 'r')
        try {
          await handle.sync()
        } finally {
          await handle.close()
        }
      }
    },
    async get(fileId, index) {
      try {
        const bytes = await readFile(join(dir, checkId(fileId), String(index)))
        return bytes
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw error
      }
    },
    async delete(fileId) {
      const path = join(dir, checkId(fileId))
      made.delete(path)
      await rm(path, { recursive: true, force: true })
    },
  }
}
