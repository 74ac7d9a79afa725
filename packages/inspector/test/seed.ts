import type { Pigeonhole } from '@pigeonhole/core'

/** An admin key the tests give as a static key (the CLI makes one like it). */
export const adminKey = 'inspector-test-admin-key-0123456789abcdef'

export interface Seeded {
  /** alice -> bob "Lunch?" with an attachment, edited once (version 2). */
  lunch: string
  /** The request acme sent to bob (waiting for his decision). */
  requestId: string
}

/**
 * A small world: alice, bob, carol and acme; messages in several boxes, one read, one edited
 * with an attachment; a request from acme to bob; consent states of bob.
 */
export async function seed(ph: Pigeonhole): Promise<Seeded> {
  for (const address of ['alice', 'bob', 'carol', 'acme']) {
    await ph.accounts.register({
      address,
      displayName: address[0]!.toUpperCase() + address.slice(1),
    })
  }
  const file = await ph.files.upload({
    owner: 'alice',
    name: 'menu.txt',
    mimeType: 'text/plain',
    data: new TextEncoder().encode('soup, bread, cheese'),
  })
  const lunch = await ph.messages.send({
    from: 'alice',
    to: ['bob', 'carol'],
    content: { subject: 'Lunch?', text: 'Lunch at noon? The menu is attached.' },
    attachments: [file.id],
  })
  await ph.messages.update({
    id: lunch.id,
    by: 'alice',
    content: { subject: 'Lunch?', text: 'Lunch at 12:30? The menu is attached.' },
    expectedVersion: 1,
  })
  for (let i = 1; i <= 3; i++) {
    await ph.messages.send({
      from: 'carol',
      to: ['bob'],
      content: { subject: `Report ${i}`, text: `Weekly report number ${i}` },
    })
  }
  const welcome = await ph.messages.send({
    from: null,
    to: ['bob'],
    content: { subject: 'Welcome', text: 'Your account is ready' },
  })
  await ph.messages.markRead({ owner: 'bob', ids: [lunch.id] })
  await ph.messages.move({ owner: 'bob', ids: [welcome.id], to: 'archive' })
  const draft = await ph.requests.create({
    owner: 'acme',
    peer: 'bob',
    content: {
      title: 'Accept the terms',
      items: [
        {
          '@type': 'ConsentRequestItem',
          mustBeAccepted: true,
          title: 'Terms of service',
          consent: 'I accept the terms.',
        },
      ],
    },
  })
  await ph.messages.send({ from: 'acme', to: ['bob'], content: draft.content })
  await ph.consent.grant({ owner: 'bob', sender: 'alice' })
  await ph.consent.revoke({ owner: 'bob', sender: 'system' })
  return { lunch: lunch.id, requestId: draft.id }
}
