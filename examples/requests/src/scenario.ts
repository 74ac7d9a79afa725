// A service asks a user to accept its terms and to confirm it is them; the user's app answers.
import { isPigeonholeError, openPigeonhole } from '@pigeonhole/core'
import { sqliteStore } from '@pigeonhole/store-sqlite'
import { describeAnswers, describeEvent, describeRequest, type Log, section } from './print.js'

/** Who asks (a service account) and who is asked (a user). */
const service = 'acme'
const user = 'ada'
const day = 24 * 60 * 60 * 1000

/** Runs the whole flow on one engine (SQLite in memory); every line goes to `log`. */
export async function runRequestsExample(log: Log): Promise<{ verified: boolean }> {
  const ph = await openPigeonhole({ store: sqliteStore({ path: ':memory:' }) })
  // Every event as it happens: the request's status changes on both sides, and the messages.
  const subscription = ph.events$.subscribe((e) => {
    if (e.type.startsWith('request.') || e.type === 'message.received') log(describeEvent(e))
  })
  try {
    section(log, 'Registering the service and the user')
    await ph.accounts.register({ address: service, displayName: 'Acme Shop' })
    await ph.accounts.register({ address: user, displayName: 'Ada' })
    log(`  registered ${service} and ${user}`)

    section(log, `${service} creates a request: accept the terms, confirm it is you, one question`)
    const input = {
      owner: service,
      peer: user,
      content: {
        title: 'Welcome to Acme',
        expiresAt: Date.now() + 7 * day,
        items: [
          {
            '@type': 'ConsentRequestItem',
            mustBeAccepted: true,
            title: 'Terms of service',
            consent: 'I accept the Acme terms of service.',
            link: 'https://acme.example/terms',
          },
          {
            '@type': 'AuthenticationRequestItem',
            mustBeAccepted: true,
            title: 'Confirm it is you',
          },
          {
            '@type': 'FreeTextRequestItem',
            mustBeAccepted: false,
            title: 'How did you hear about us?',
          },
        ],
      },
    }
    const check = await ph.requests.canCreate(input)
    log(`  canCreate: ${check.isSuccess ? 'ok' : `${check.code}: ${check.message}`}`)
    const draft = await ph.requests.create(input)
    for (const line of describeRequest(draft)) log(line)

    section(log, `${service} sends the request's content in a message to ${user}`)
    const message = await ph.messages.send({
      from: service,
      to: [user],
      content: draft.content,
      idempotencyKey: `welcome-${user}`,
    })
    log(`  sent ${message.id}`)
    try {
      await ph.messages.send({ from: service, to: [user], content: draft.content })
    } catch (error) {
      if (!isPigeonholeError(error)) throw error
      log(`  sending it again without the key: ${error.code}`)
    }

    section(log, `${user}'s app lists the requests waiting for a decision`)
    const waiting = await ph.requests.list({
      owner: user,
      direction: 'incoming',
      status: 'ManualDecisionRequired',
    })
    for (const request of waiting.items) for (const line of describeRequest(request)) log(line)
    const request = waiting.items[0]
    if (!request) throw new Error(`${user} received no request`)

    section(log, `${user} decides`)
    const refuseTerms = await ph.requests.canAccept({
      owner: user,
      id: request.id,
      items: [{ accept: false }, { accept: true }, { accept: true, freeText: 'A friend' }],
    })
    const item = refuseTerms.items.find((i) => !i.isSuccess)
    log(`  canAccept without the terms: ${refuseTerms.code} (item: ${item?.code})`)
    const decisions = [{ accept: true }, { accept: true }, { accept: true, freeText: 'A friend' }]
    const ok = await ph.requests.canAccept({ owner: user, id: request.id, items: decisions })
    log(`  canAccept with the terms: ${ok.isSuccess ? 'ok' : ok.code}`)
    const accepted = await ph.requests.accept({ owner: user, id: request.id, items: decisions })
    log(`  accepted: ${user}'s side is ${accepted.status}`)

    section(log, `${service} sees its request answered`)
    const answered = await ph.requests.get({
      owner: service,
      id: draft.id,
      direction: 'outgoing',
    })
    if (!answered?.response) throw new Error('the request has no Response')
    log(`  ${answered.id} is ${answered.status}: ${answered.response.content.result}`)
    for (const line of describeAnswers(answered.response.content.items)) log(line)
    log(`  history: ${answered.history.map((h) => h.to).join(' -> ')}`)
    const inbox = await ph.messages.list({ owner: service, box: 'inbox' })
    for (const { message: m } of inbox.items) {
      log(`  ${service}'s inbox: ${m.id} from ${m.from} (${String(m.content['@type'])})`)
    }

    const differences = await ph.verify()
    section(log, `verify(): ${differences.length === 0 ? 'ok' : JSON.stringify(differences)}`)
    return { verified: differences.length === 0 }
  } finally {
    subscription.unsubscribe()
    await ph.close()
  }
}
