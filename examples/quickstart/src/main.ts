// The README's demo: every main feature of Pigeonhole on an embedded SQLite file.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { isPigeonholeError, openPigeonhole, type PigeonholeEvent } from '@pigeonhole/core'
import { sqliteStore } from '@pigeonhole/store-sqlite'
import { printBoxes, printItems, section } from './print.js'

// `npm run demo -- --db demo.db` keeps the database (relative to where npm ran), to look at it
// with `npx pigeonhole inspect demo.db`; without it, a temporary file is removed at the end.
const keepAt = process.argv.indexOf('--db')
const kept =
  keepAt >= 0
    ? resolve(process.env.INIT_CWD ?? process.cwd(), process.argv[keepAt + 1] ?? '')
    : null
if (kept !== null && existsSync(kept)) {
  console.error(`${kept} exists: remove it or give another --db path`)
  process.exit(2)
}
const dir = mkdtempSync(join(tmpdir(), 'pigeonhole-demo-'))
const path = kept ?? join(dir, 'demo.db')
const ph = await openPigeonhole({ store: sqliteStore({ path }) })
const events: PigeonholeEvent[] = []
ph.events$.subscribe((event) => events.push(event))

try {
  section(`Opened a Pigeonhole engine on ${path}`)

  section('Registering accounts')
  for (const address of ['alice', 'bob', 'carol', 'dave']) {
    const account = await ph.accounts.register({
      address,
      displayName: address[0]!.toUpperCase() + address.slice(1),
    })
    console.log(`  registered ${account.address} (consent: ${account.consent})`)
  }

  section('Sending messages')
  const hello = await ph.messages.send({
    from: 'alice',
    to: ['bob'],
    content: { subject: 'Hi', text: 'Hello Bob, lunch tomorrow?' },
    idempotencyKey: 'alice-lunch-1',
  })
  console.log(`  alice -> bob                   ${hello.id}  "${hello.content.subject}"`)
  const retry = await ph.messages.send({
    from: 'alice',
    to: ['bob'],
    content: { subject: 'Hi', text: 'Hello Bob, lunch tomorrow?' },
    idempotencyKey: 'alice-lunch-1',
  })
  console.log(
    `  the same send retried          ${retry.id}  (same id: ${retry.id === hello.id}, nothing stored twice)`,
  )
  const group = await ph.messages.send({
    from: 'bob',
    to: ['alice', 'carol', 'dave'],
    content: { subject: 'Team', text: 'Stand-up moved to 10:00' },
  })
  console.log(`  bob -> alice, carol, dave      ${group.id}  "${group.content.subject}"`)
  const system = await ph.messages.send({
    from: null,
    to: ['bob'],
    content: { subject: 'Welcome', text: 'Your account is ready' },
  })
  console.log(`  system -> bob                  ${system.id}  "${system.content.subject}"`)
  const everyone = await ph.messages.broadcast({
    content: { subject: 'Maintenance', text: 'Down for 5 minutes at 02:00' },
  })
  console.log(`  broadcast to every account     ${everyone.id}  "${everyone.content.subject}"`)

  section("Bob's inbox, first page (keyset cursor, newest first)")
  const page = await ph.messages.list({ owner: 'bob', box: 'inbox', limit: 2 })
  printItems(page.items)
  console.log(`  ...next page (cursor ${page.nextCursor?.slice(0, 16)}...):`)
  const next = await ph.messages.list({
    owner: 'bob',
    box: 'inbox',
    limit: 2,
    cursor: page.nextCursor!,
  })
  printItems(next.items)
  console.log(`  end of inbox: ${next.nextCursor === null}`)

  section('Counts')
  printBoxes('bob', await ph.boxes.list('bob'))

  section('Bob reads the message from Alice, then marks the whole inbox read')
  console.log(
    `  markRead by id:       ${(await ph.messages.markRead({ owner: 'bob', ids: [hello.id] })).changed} changed`,
  )
  console.log(
    `  markRead whole inbox: ${(await ph.messages.markRead({ owner: 'bob', box: 'inbox' })).changed} changed`,
  )
  await ph.messages.move({ owner: 'bob', ids: [system.id], to: 'archive' })
  console.log('  moved the welcome message to a new custom box "archive"')
  printBoxes('bob', await ph.boxes.list('bob'))
  const [receipt] = await ph.messages.receipts({ owner: 'alice', id: hello.id })
  console.log(
    `  alice sees: delivered to ${receipt?.recipient}, read: ${receipt?.readAt ? 'yes' : 'no'}`,
  )

  section('Editing with a version')
  const edited = await ph.messages.update({
    id: hello.id,
    by: 'alice',
    content: { subject: 'Hi', text: 'Hello Bob, lunch at 12:30?' },
    expectedVersion: 1,
  })
  console.log(`  alice edits version 1 -> now version ${edited.version}: "${edited.content.text}"`)
  try {
    await ph.messages.update({
      id: hello.id,
      by: 'alice',
      content: { text: 'a stale edit' },
      expectedVersion: 1,
    })
  } catch (error) {
    if (!isPigeonholeError(error, 'version_conflict')) throw error
    console.log(`  a stale edit (expectedVersion 1) is refused: ${error.code}`)
    console.log(`    ${error.message}`)
  }

  section('Bad input gets a clear, typed error and changes nothing')
  try {
    await ph.messages.send({ from: 'alice', to: ['zoe'], content: { text: 'hello?' } })
  } catch (error) {
    if (!isPigeonholeError(error)) throw error
    console.log(`  ${error.code}: ${error.message}`)
  }
  try {
    await ph.messages.list({ owner: 'bob', limit: 5000 })
  } catch (error) {
    if (!isPigeonholeError(error)) throw error
    console.log(`  ${error.code}: ${error.message}`)
  }

  section('A file, a request and consent')
  const notes = await ph.files.upload({
    owner: 'carol',
    name: 'notes.txt',
    mimeType: 'text/plain',
    data: new TextEncoder().encode('Stand-up notes: ship the inspector'),
  })
  const withFile = await ph.messages.send({
    from: 'carol',
    to: ['bob'],
    content: { subject: 'Notes', text: 'The notes are attached' },
    attachments: [notes.id],
  })
  console.log(`  carol -> bob with notes.txt    ${withFile.id}`)
  const draft = await ph.requests.create({
    owner: 'carol',
    peer: 'dave',
    content: {
      title: 'Join the project',
      items: [{ '@type': 'AuthenticationRequestItem', mustBeAccepted: true, title: 'Confirm' }],
    },
  })
  await ph.messages.send({ from: 'carol', to: ['dave'], content: draft.content })
  const asked = await ph.requests.get({ owner: 'dave', id: draft.id })
  console.log(`  carol asks dave (a Request)    ${draft.id}: dave's side is ${asked?.status}`)
  await ph.consent.grant({ owner: 'bob', sender: 'alice' })
  await ph.consent.revoke({ owner: 'bob', sender: 'system' })
  console.log('  bob allows alice and blocks system messages')

  section(`Events seen on events$ (${events.length})`)
  for (const e of events) {
    console.log(`  #${String(e.cursor).padStart(2)} ${e.type.padEnd(20)} ${e.owner ?? ''}`)
  }

  const differences = await ph.verify()
  section(
    `verify(): ${differences.length === 0 ? 'counts, versions and entries all check out' : JSON.stringify(differences)}`,
  )
  if (differences.length > 0) process.exitCode = 1
} finally {
  await ph.close()
  rmSync(dir, { recursive: true, force: true })
}
if (kept !== null) {
  section(`Kept the database: look at it with\n  npx pigeonhole inspect ${kept}`)
} else {
  section('`npm run demo -- --db demo.db` keeps the database: `npx pigeonhole inspect demo.db`')
}
