import { describe, expect, it } from 'vitest'
import type { CreateRequestInput } from '../../requests/schemas.js'
import type { ValidationResult } from '../../requests/types.js'
import { useEngine } from '../behaviour/harness.js'
import { expectError, register } from '../behaviour/helpers.js'
import type { ConformanceOptions } from '../options.js'
import { expectNoRequestChange, item } from './fixtures.js'

const ok = (items: ValidationResult[] = []): ValidationResult => ({ isSuccess: true, items })
const bad = (code: string, items: ValidationResult[] = []): ValidationResult =>
  ({ isSuccess: false, code, message: expect.any(String), items }) as ValidationResult

export function describeCreateValidation(options: ConformanceOptions): void {
  describe('requests: canCreate / create codes', () => {
    const t = useEngine(options)
    const owners = ['alice', 'bob']

    /** canCreate answers `tree`; create throws invalid_input with it (or `code`) and stores nothing. */
    async function refused(
      input: CreateRequestInput,
      tree: ValidationResult,
      code: 'invalid_input' | 'not_found' = 'invalid_input',
    ): Promise<void> {
      expect(await t.ph.requests.canCreate(input)).toEqual(tree)
      const drawn = t.ids.issued.length
      await expectNoRequestChange(t, owners, async () => {
        const error = await expectError(() => t.ph.requests.create(input), code)
        if (code === 'invalid_input') expect(error.details.validation).toEqual(tree)
      })
      // No request was stored under an id the failed create drew.
      for (const id of t.ids.issued.slice(drawn)) {
        expect(await t.ph.requests.get({ owner: input.owner, id })).toBeNull()
      }
    }

    it('peer_is_owner: a request to oneself', async () => {
      await register(t.ph, 'alice', 'bob')
      await refused(
        { owner: 'alice', peer: 'alice', content: { items: [item.auth()] } },
        bad('peer_is_owner', [ok()]),
      )
    })

    it('recipient_not_found: a local peer that is not registered', async () => {
      await register(t.ph, 'alice', 'bob')
      await refused(
        { owner: 'alice', peer: 'zed', content: { items: [item.auth()] } },
        bad('recipient_not_found', [ok()]),
      )
    })

    it('request_expired: expiresAt at or before now; a later one is fine', async () => {
      await register(t.ph, 'alice', 'bob')
      const now = t.clock.tick(100)
      for (const expiresAt of [now, now - 1]) {
        await refused(
          { owner: 'alice', peer: 'bob', content: { expiresAt, items: [item.auth()] } },
          bad('request_expired', [ok()]),
        )
      }
      const input = {
        owner: 'alice',
        peer: 'bob',
        content: { expiresAt: now + 1, items: [item.auth()] },
      }
      expect(await t.ph.requests.canCreate(input)).toEqual(ok([ok()]))
      const created = await t.ph.requests.create(input)
      expect({ expiresAt: created.expiresAt, content: created.content.expiresAt }).toEqual({
        expiresAt: now + 1,
        content: now + 1,
      })
    })

    it('unknown_item_type: an item kind with no processor, alone and in a group', async () => {
      await register(t.ph, 'alice', 'bob')
      const unknown = { '@type': 'ShareAddressRequestItem', mustBeAccepted: false }
      await refused(
        {
          owner: 'alice',
          peer: 'bob',
          content: { items: [item.auth(), unknown, item.group(item.freeText(), unknown)] },
        },
        bad('item_invalid', [
          ok(),
          bad('unknown_item_type'),
          bad('item_invalid', [ok(), bad('unknown_item_type')]),
        ]),
      )
    })

    it('invalid_item: a ConsentRequestItem without consent, or with a link that is not http(s)', async () => {
      await register(t.ph, 'alice', 'bob')
      const noConsent = { '@type': 'ConsentRequestItem', mustBeAccepted: true }
      const emptyConsent = { ...noConsent, consent: '' }
      const badLink = { ...noConsent, consent: 'I agree', link: 'ftp://example.com/terms' }
      await refused(
        {
          owner: 'alice',
          peer: 'bob',
          content: { items: [noConsent, item.group(emptyConsent, item.freeText()), badLink] },
        },
        bad('item_invalid', [
          bad('invalid_item'),
          bad('item_invalid', [bad('invalid_item'), ok()]),
          bad('invalid_item'),
        ]),
      )
      const fine = { ...noConsent, consent: 'I agree', link: 'http://example.com/terms' }
      expect(
        await t.ph.requests.canCreate({ owner: 'alice', peer: 'bob', content: { items: [fine] } }),
      ).toEqual(ok([ok()]))
    })

    it('not_found: an owner that is not registered (create throws not_found)', async () => {
      await register(t.ph, 'alice', 'bob')
      const input = { owner: 'ghost', peer: 'bob', content: { items: [item.auth()] } }
      expect(await t.ph.requests.canCreate(input)).toMatchObject({
        isSuccess: false,
        code: 'not_found',
      })
      await expectNoRequestChange(t, owners, () =>
        expectError(() => t.ph.requests.create(input), 'not_found'),
      )
    })

    it('an unknown field in content is refused (the Request schema of the send would refuse it)', async () => {
      await register(t.ph, 'alice', 'bob')
      const input = {
        owner: 'alice',
        peer: 'bob',
        content: { items: [item.auth()], colour: 'red' },
      }
      for (const call of [
        () => t.ph.requests.canCreate(input),
        () => t.ph.requests.create(input),
      ]) {
        await expectNoRequestChange(t, owners, () =>
          expectError(call, 'invalid_input', { field: 'content.colour' }),
        )
      }
    })

    it('schema errors throw invalid_input naming the field, from canCreate and create', async () => {
      await register(t.ph, 'alice', 'bob')
      const cases: { input: unknown; field: string | RegExp }[] = [
        { input: { owner: 'alice', peer: 'bob', content: 'hello' }, field: 'content' },
        { input: { owner: 'alice', peer: 'bob', content: { items: [] } }, field: 'content.items' },
        { input: { owner: 'alice', peer: 'bob' }, field: 'content' },
        { input: { owner: 'alice', content: { items: [item.auth()] } }, field: 'peer' },
        {
          input: { owner: 'alice', peer: 'bob', content: { items: [item.auth()] }, colour: 'red' },
          field: 'colour',
        },
        {
          input: {
            owner: 'alice',
            peer: 'bob',
            content: { items: [{ '@type': 'Authentication', mustBeAccepted: true }] },
          },
          field: /^content\.items\[0\]/,
        },
        {
          input: {
            owner: 'alice',
            peer: 'bob',
            content: { items: [{ '@type': 'AuthenticationRequestItem' }] },
          },
          field: /^content\.items\[0\]/,
        },
      ]
      for (const { input, field } of cases) {
        for (const call of [
          () => t.ph.requests.canCreate(input as never),
          () => t.ph.requests.create(input as never),
        ]) {
          await expectNoRequestChange(t, owners, async () => {
            const error = await expectError(call, 'invalid_input')
            if (typeof field === 'string')
              expect(error.details.field, JSON.stringify(input)).toBe(field)
            else expect(error.details.field, JSON.stringify(input)).toMatch(field)
          })
        }
      }
      expect((await t.ph.requests.list({ owner: 'alice' })).items).toEqual([])
    })
  })
}
