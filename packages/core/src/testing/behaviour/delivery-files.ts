import { describe, expect, it } from 'vitest'
import type { MessageDelivery, Pigeonhole } from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { chunkRows, drain, pattern, sha256 } from './files-helpers.js'
import { useEngine } from './harness.js'
import { eventsAfter, expectError, register } from './helpers.js'
import { inbox, twoPeers } from './two-peers.js'

function pick(f: {
  id: string
  name: string
  mimeType: string
  size: number
  sha256: string
  expiresAt: number | null
}) {
  return {
    id: f.id,
    name: f.name,
    mimeType: f.mimeType,
    size: f.size,
    sha256: f.sha256,
    expiresAt: f.expiresAt,
  }
}

async function waitFor(ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!ok()) {
    if (Date.now() > end) throw new Error('waitFor: timed out')
    await new Promise((r) => setTimeout(r, 2))
  }
}

/** Files rows of an engine's store, by id: what the receiver stored. */
async function fileRows(store: { db: import('kysely').Kysely<never> } | unknown) {
  const db = (store as { db: import('../../store-port.js').Store['db'] }).db
  return db.selectFrom('files').selectAll().orderBy('id').execute()
}

/** alice's text file of `size` bytes (`pattern(size)`), uploaded on `ph`. */
function textFile(ph: Pigeonhole, name: string, size: number) {
  return ph.files.upload({ owner: 'alice', name, mimeType: 'text/plain', data: pattern(size) })
}

/** A message from alice with no content but `attachments`, to `to`. */
function sendFiles(ph: Pigeonhole, to: string[], attachments: string[]) {
  return ph.messages.send({ from: 'alice', to, content: {}, attachments })
}

export function describeDeliveryFiles(options: ConformanceOptions): void {
  describe('delivery between engines: attachments', () => {
    const t = useEngine(options)

    it('a message with two attachments from alice@a: bob@b downloads both (same bytes, same sha256); carol@b may not', async () => {
      const { net, a, b } = await twoPeers(t)
      await register(a.ph, 'alice')
      await register(b.ph, 'bob', 'carol')
      const photo = pattern(200_000, 3)
      const note = new TextEncoder().encode('see the photo')
      const f1 = await a.ph.files.upload({
        owner: 'alice',
        name: 'photo.jpg',
        mimeType: 'image/jpeg',
        data: photo,
      })
      const f2 = await a.ph.files.upload({
        owner: 'alice',
        name: 'note.txt',
        mimeType: 'text/plain',
        data: note,
        expiresAt: a.clock.now() + 86_400_000,
      })
      const m = await a.ph.messages.send({
        from: 'alice',
        to: ['bob@b'],
        content: { text: 'two files' },
        attachments: [f1.id, f2.id],
      })
      await net.settle()
      // What crossed the wire: the metadata, the key, the header, the sealed chunks.
      const wire = a.transport.sent.flat().find((d) => d.kind === 'message') as MessageDelivery
      expect(wire.message.attachments.map((f) => [f.id, f.name, f.size, f.sha256])).toEqual([
        [f1.id, 'photo.jpg', photo.length, f1.sha256],
        [f2.id, 'note.txt', note.length, f2.sha256],
      ])
      expect(Buffer.from(wire.message.attachments[0]!.key, 'base64url')).toHaveLength(32)
      expect(wire.message.attachments[0]!.chunks).toHaveLength(Math.ceil(photo.length / 65536))
      // The ciphertext crossed unchanged: b stores the very chunks a stored.
      if ((await chunkRows(a.store, f1.id)).length > 0) {
        const sealedA = (await chunkRows(a.store, f1.id)).map((r) => Buffer.from(r.bytes))
        const sealedB = (await chunkRows(b.store, f1.id)).map((r) => Buffer.from(r.bytes))
        expect(sealedB).toEqual(sealedA)
      }
      const [got] = await inbox(b.ph, 'bob')
      expect(got!.message).toMatchObject({ id: m.id, from: 'alice@a', attachments: [f1.id, f2.id] })
      const shown = await b.ph.messages.get({ owner: 'bob', id: m.id })
      expect(shown?.files).toEqual([
        { ...f1, owner: 'alice@a', createdAt: expect.any(Number) },
        { ...f2, owner: 'alice@a', createdAt: expect.any(Number) },
      ])
      const one = await b.ph.files.downloadBytes({ owner: 'bob', id: f1.id })
      expect(Buffer.from(one).equals(Buffer.from(photo))).toBe(true)
      expect(await sha256(one)).toBe(f1.sha256)
      const two = await b.ph.files.attachment({ owner: 'bob', messageId: m.id, fileId: f2.id })
      const { got: parts, error } = await drain(two.stream)
      expect(error).toBeUndefined()
      expect(Buffer.concat(parts).toString()).toBe('see the photo')
      expect(await sha256(Buffer.concat(parts))).toBe(f2.sha256)
      expect(await b.ph.files.get({ owner: 'bob', id: f2.id })).toMatchObject({
        expiresAt: f2.expiresAt,
        expired: false,
      })
      // Not a recipient: forbidden, and get says nothing.
      await expectError(b.ph.files.download({ owner: 'carol', id: f1.id }), 'forbidden', {
        field: 'owner',
      })
      expect(await b.ph.files.get({ owner: 'carol', id: f1.id })).toBeNull()
      await expectError(
        b.ph.files.attachment({ owner: 'carol', messageId: m.id, fileId: f1.id }),
        'not_found',
      )
      // The remote sender owns nothing here: its address is no key to the file.
      await expectError(b.ph.files.download({ owner: 'alice@a', id: f1.id }), 'forbidden')
      // bob may pass it on to a local account (he received it).
      const fwd = await b.ph.messages.send({
        from: 'bob',
        to: ['carol'],
        content: {},
        attachments: [f1.id],
      })
      expect(await sha256(await b.ph.files.downloadBytes({ owner: 'carol', id: f1.id }))).toBe(
        f1.sha256,
      )
      expect(fwd.attachments).toEqual([f1.id])
      expect((await a.ph.messages.receipts({ owner: 'alice', id: m.id }))[0]!.status).toBe(
        'delivered',
      )
    })

    it('a re-delivery stores the files once; a later message with the same file stores nothing again', async () => {
      const { net, a, b } = await twoPeers(t, { files: { chunkSize: 1024 } })
      a.transport.copies = 2
      await register(a.ph, 'alice')
      await register(b.ph, 'bob')
      const f = await a.ph.files.upload({
        owner: 'alice',
        name: 'x.bin',
        mimeType: 'application/octet-stream',
        data: pattern(5000),
      })
      const m = await sendFiles(a.ph, ['bob@b'], [f.id])
      await net.settle()
      expect(a.transport.sent).toHaveLength(1)
      expect((await inbox(b.ph, 'bob')).map((i) => i.message.id)).toEqual([m.id])
      const rows = await fileRows(b.store)
      expect(rows.map((r) => [r.id, r.owner, r.status, Number(r.chunk_count)])).toEqual([
        [f.id, 'alice@a', 'ready', 5],
      ])
      const chunks = await chunkRows(b.store)
      if (chunks.length > 0) expect(chunks.map((c) => Number(c.idx))).toEqual([0, 1, 2, 3, 4])
      // The same file in a second message: linked to it, stored once.
      a.transport.copies = 1
      const again = await sendFiles(a.ph, ['bob@b'], [f.id])
      await net.settle()
      expect(await fileRows(b.store)).toHaveLength(1)
      expect(await chunkRows(b.store)).toHaveLength(chunks.length)
      const bytes = await b.ph.files.attachment({ owner: 'bob', messageId: again.id, fileId: f.id })
      expect(
        Buffer.concat((await drain(bytes.stream)).got).equals(Buffer.from(pattern(5000))),
      ).toBe(true)
    })

    it('an empty file and a multi-chunk file (small chunks at the sender) arrive whole', async () => {
      const { net, a, b } = await twoPeers(t, {}, { files: { chunkSize: 1000 } })
      await register(a.ph, 'alice')
      await register(b.ph, 'bob')
      const empty = await a.ph.files.upload({
        owner: 'alice',
        name: 'empty',
        mimeType: 'application/octet-stream',
        data: new Uint8Array(0),
      })
      const data = pattern(10_000, 9)
      const big = await a.ph.files.upload({
        owner: 'alice',
        name: 'big',
        mimeType: 'application/octet-stream',
        data,
      })
      await sendFiles(a.ph, ['bob@b'], [empty.id, big.id])
      await net.settle()
      const wire = a.transport.sent.flat()[0] as MessageDelivery
      expect(wire.message.attachments.map((f) => f.chunks.length)).toEqual([1, 10])
      expect(await b.ph.files.downloadBytes({ owner: 'bob', id: empty.id })).toEqual(
        new Uint8Array(0),
      )
      const got = await b.ph.files.downloadBytes({ owner: 'bob', id: big.id })
      expect(Buffer.from(got).equals(Buffer.from(data))).toBe(true)
      expect(await sha256(got)).toBe(big.sha256)
    })

    it('a chunk changed in transit: the download fails with integrity_error', async () => {
      const { net, a, b } = await twoPeers(t, {}, { files: { chunkSize: 1024 } })
      await register(a.ph, 'alice')
      await register(b.ph, 'bob')
      const f = await a.ph.files.upload({
        owner: 'alice',
        name: 'x',
        mimeType: 'application/octet-stream',
        data: pattern(3000),
      })
      // One bit of chunk 1 flipped on the way.
      a.transport.change = (batch) => {
        for (const d of batch) {
          if (d.kind !== 'message') continue
          for (const file of d.message.attachments) {
            const sealed = Buffer.from(file.chunks[1]!, 'base64url')
            sealed[5]! ^= 0x01
            file.chunks[1] = sealed.toString('base64url')
          }
        }
        return batch
      }
      const m = await sendFiles(a.ph, ['bob@b'], [f.id])
      await net.settle()
      const { stream } = await b.ph.files.download({ owner: 'bob', id: f.id })
      const { got, error } = await drain(stream)
      expect(error).toMatchObject({ code: 'integrity_error' })
      // Chunk 0 verified and was given; nothing of chunk 1.
      expect(got.reduce((n, p) => n + p.length, 0)).toBe(1024)
      await expectError(b.ph.files.downloadBytes({ owner: 'bob', id: f.id }), 'integrity_error')
      expect((await b.ph.messages.get({ owner: 'bob', id: m.id }))?.files?.[0]?.sha256).toBe(
        f.sha256,
      )
      // A metadata change (size) is caught by the download's check too.
      a.transport.change = (batch) => {
        for (const d of batch) {
          if (d.kind === 'message') for (const file of d.message.attachments) file.size -= 1
        }
        return batch
      }
      const g = await a.ph.files.upload({
        owner: 'alice',
        name: 'y',
        mimeType: 'application/octet-stream',
        data: pattern(2000),
      })
      await a.ph.messages.send({ from: 'alice', to: ['bob@b'], content: {}, attachments: [g.id] })
      await net.settle()
      await expectError(b.ph.files.downloadBytes({ owner: 'bob', id: g.id }), 'integrity_error')
    })

    it('a file too large to travel: the receipt fails with file_too_large, delivery.failed, and the outbox does not stick', async () => {
      const { net, a, b } = await twoPeers(t, {}, { delivery: { maxBatchBytes: 8192 } })
      await register(a.ph, 'alice')
      await register(b.ph, 'bob')
      const small = await textFile(a.ph, 's', 1000)
      const big = await a.ph.files.upload({
        owner: 'alice',
        name: 'b',
        mimeType: 'application/octet-stream',
        data: pattern(20_000),
      })
      const before = a.ph.events.lastCursor
      const first = await a.ph.messages.send({ from: 'alice', to: ['bob@b'], content: { n: 1 } })
      const tooBig = await a.ph.messages.send({
        from: 'alice',
        to: ['bob@b'],
        content: { n: 2 },
        attachments: [big.id],
      })
      const after = await a.ph.messages.send({
        from: 'alice',
        to: ['bob@b'],
        content: { n: 3 },
        attachments: [small.id],
      })
      // settle resolves: nothing waits in the outbox.
      await net.settle()
      expect(await a.ph.messages.receipts({ owner: 'alice', id: tooBig.id })).toEqual([
        expect.objectContaining({ recipient: 'bob@b', status: 'failed', code: 'file_too_large' }),
      ])
      const [failed] = (await a.ph.messages.receipts({ owner: 'alice', id: tooBig.id })) as {
        message?: string
      }[]
      expect(failed!.message).toMatch(/maxBatchBytes \(8192\)/)
      expect(
        (await eventsAfter(a.ph, before))
          .filter((e) => e.type === 'delivery.failed')
          .map((e) => [e.messageId, e.data.code]),
      ).toEqual([[tooBig.id, 'file_too_large']])
      expect((await inbox(b.ph, 'bob')).map((i) => i.message.id)).toEqual([first.id, after.id])
      for (const id of [first.id, after.id]) {
        expect((await a.ph.messages.receipts({ owner: 'alice', id }))[0]!.status).toBe('delivered')
      }
      expect(await b.ph.admin.getMessage(tooBig.id)).toBeNull()
      expect((await fileRows(b.store)).map((r) => r.id)).toEqual([small.id])
      // Batches are cut to the limit: three small files in three messages go in separate batches.
      a.transport.sent.length = 0
      for (let i = 0; i < 3; i++) {
        await a.ph.messages.send({
          from: 'alice',
          to: ['bob@b'],
          content: { i },
          attachments: [small.id],
        })
      }
      await net.settle()
      for (const batch of a.transport.sent) {
        expect(Buffer.byteLength(JSON.stringify(batch))).toBeLessThanOrEqual(8192)
      }
      expect(a.transport.sent.flat()).toHaveLength(3)
      expect(a.transport.sent.length).toBeGreaterThan(1)
      expect(await inbox(b.ph, 'bob')).toHaveLength(5)
    })

    it('a refused message keeps none of its files; the receiver’s own size limit refuses with file_too_large', async () => {
      const { net, a, b } = await twoPeers(t, {}, {}, { files: { maxFileSize: 1500 } })
      await register(a.ph, 'alice')
      await b.ph.accounts.register({ address: 'bob', consent: 'opt-in' })
      await register(b.ph, 'dave')
      const f = await textFile(a.ph, 'f', 1000)
      // No consent at bob: refused, and the files it brought are gone again.
      const m = await sendFiles(a.ph, ['bob@b'], [f.id])
      await net.settle()
      expect((await a.ph.messages.receipts({ owner: 'alice', id: m.id }))[0]).toMatchObject({
        status: 'failed',
        code: 'consent_required',
      })
      expect(await fileRows(b.store)).toEqual([])
      expect(await chunkRows(b.store)).toEqual([])
      // Larger than b takes.
      const g = await textFile(a.ph, 'g', 2000)
      const n = await sendFiles(a.ph, ['dave@b'], [g.id])
      await net.settle()
      expect((await a.ph.messages.receipts({ owner: 'alice', id: n.id }))[0]).toMatchObject({
        status: 'failed',
        code: 'file_too_large',
      })
      expect(await fileRows(b.store)).toEqual([])
    })

    it('an expired file travels as its metadata, marked expired', async () => {
      const { net, a, b } = await twoPeers(t)
      await register(a.ph, 'alice')
      await register(b.ph, 'bob')
      const f = await a.ph.files.upload({
        owner: 'alice',
        name: 'soon',
        mimeType: 'text/plain',
        data: pattern(100),
        expiresAt: a.clock.now() + 10,
      })
      // The peer cannot be reached before the file expires.
      a.transport.blocked = true
      const m = await sendFiles(a.ph, ['bob@b'], [f.id])
      // The failed attempt is recorded (due 1 s after it) before the clock moves on.
      let retried = false
      await waitFor(() => {
        void a.store.db
          .selectFrom('outbox')
          .select('attempts')
          .where('attempts', '>', 0)
          .execute()
          .then((rows) => {
            retried = rows.length > 0
          })
        return retried && a.transport.refusals > 0
      })
      // Let through again; the retry is due only once the clock passed the file's expiry.
      a.transport.blocked = false
      a.clock.tick(1001)
      expect(await a.ph.files.sweep()).toMatchObject({ expired: 1 })
      await net.settle()
      const wire = a.transport.sent.flat()[0] as MessageDelivery
      expect(wire.message.attachments).toEqual([{ ...pick(f), key: '', header: '', chunks: [] }])
      const shown = await b.ph.messages.get({ owner: 'bob', id: m.id })
      expect(shown?.files).toEqual([
        { ...f, owner: 'alice@a', createdAt: expect.any(Number), expired: true },
      ])
      await expectError(b.ph.files.download({ owner: 'bob', id: f.id }), 'not_found')
      expect(await chunkRows(b.store)).toEqual([])
    })
  })
}
