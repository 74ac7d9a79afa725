import { describe, expect, it } from 'vitest'
import type { ErrorCode } from '../../index.js'
import type { ValidationResult } from '../../requests/types.js'
import { useEngine } from '../behaviour/harness.js'
import { expectError } from '../behaviour/helpers.js'
import type { ConformanceOptions } from '../options.js'
import { type Decisions, expectNoRequestChange, item, openRequest } from './fixtures.js'

const ok = (items: ValidationResult[] = []): ValidationResult => ({ isSuccess: true, items })
/** A failed node: its code, any message, and its children. */
const bad = (code: string, items: ValidationResult[] = []): ValidationResult =>
  ({ isSuccess: false, code, message: expect.any(String), items }) as ValidationResult

export function describeDecisionValidation(options: ConformanceOptions): void {
  describe('requests: canAccept / canReject codes', () => {
    const t = useEngine(options)
    const owners = ['alice', 'bob']

    /** auth (must), group [consent (must), free text], free text. */
    const standard = () => [
      item.auth(),
      item.group(item.consent(), item.freeText()),
      item.freeText(),
    ]

    /** canAccept answers `tree`; accept throws `code` (with the tree when invalid_input) and changes nothing. */
    async function refusedAccept(
      id: string,
      items: Decisions,
      tree: ValidationResult,
      code: ErrorCode = 'invalid_input',
      owner = 'bob',
    ): Promise<void> {
      const input = { owner, id, items }
      expect(await t.ph.requests.canAccept(input)).toEqual(tree)
      await expectNoRequestChange(t, owners, async () => {
        const error = await expectError(() => t.ph.requests.accept(input), code)
        if (code === 'invalid_input') expect(error.details.validation).toEqual(tree)
      })
    }

    async function refusedReject(
      id: string,
      items: Decisions | undefined,
      tree: ValidationResult,
      code: ErrorCode = 'invalid_input',
      owner = 'bob',
    ): Promise<void> {
      const input = items === undefined ? { owner, id } : { owner, id, items }
      expect(await t.ph.requests.canReject(input)).toEqual(tree)
      await expectNoRequestChange(t, owners, async () => {
        const error = await expectError(() => t.ph.requests.reject(input), code)
        if (code === 'invalid_input') expect(error.details.validation).toEqual(tree)
      })
    }

    it('wrong_item_count: on the whole request and inside a group', async () => {
      const { draft } = await openRequest(t.ph, standard())
      const whole = await t.ph.requests.canAccept({
        owner: 'bob',
        id: draft.id,
        items: [{ accept: true }],
      })
      expect(whole).toMatchObject({ isSuccess: false, code: 'wrong_item_count' })
      await expectNoRequestChange(t, owners, async () => {
        const error = await expectError(
          () => t.ph.requests.accept({ owner: 'bob', id: draft.id, items: [{ accept: true }] }),
          'invalid_input',
        )
        expect(error.details.validation).toEqual(whole)
      })
      expect(
        await t.ph.requests.canReject({
          owner: 'bob',
          id: draft.id,
          items: [{ accept: false }, { accept: false }],
        }),
      ).toMatchObject({ isSuccess: false, code: 'wrong_item_count' })
      await refusedAccept(
        draft.id,
        [{ accept: true }, { items: [{ accept: true }] }, { accept: false }],
        bad('item_invalid', [ok(), bad('wrong_item_count'), ok()]),
      )
    })

    it('item_kind_mismatch: a group answered as an item and an item as a group', async () => {
      const { draft } = await openRequest(t.ph, standard())
      await refusedAccept(
        draft.id,
        [{ items: [{ accept: true }] }, { accept: true }, { accept: true, freeText: 'x' }],
        bad('item_invalid', [bad('item_kind_mismatch'), bad('item_kind_mismatch'), ok()]),
      )
      await refusedReject(
        draft.id,
        [{ accept: false }, { accept: false }, { accept: false }],
        bad('item_invalid', [ok(), bad('item_kind_mismatch'), ok()]),
      )
    })

    it('must_be_accepted: on an item, and inside a group that has an accepted item', async () => {
      const { draft } = await openRequest(t.ph, standard())
      await refusedAccept(
        draft.id,
        [
          { accept: false },
          { items: [{ accept: true }, { accept: true, freeText: 'x' }] },
          { accept: true, freeText: 'y' },
        ],
        bad('item_invalid', [bad('must_be_accepted'), ok([ok(), ok()]), ok()]),
      )
      await refusedAccept(
        draft.id,
        [
          { accept: true },
          { items: [{ accept: false }, { accept: true, freeText: 'x' }] },
          { accept: false },
        ],
        bad('item_invalid', [ok(), bad('item_invalid', [bad('must_be_accepted'), ok()]), ok()]),
      )
    })

    it('a group with no accepted item may leave its mustBeAccepted items rejected', async () => {
      const { draft } = await openRequest(t.ph, standard())
      const items: Decisions = [
        { accept: true },
        { items: [{ accept: false }, { accept: false }] },
        { accept: false },
      ]
      expect(await t.ph.requests.canAccept({ owner: 'bob', id: draft.id, items })).toEqual(
        ok([ok(), ok([ok(), ok()]), ok()]),
      )
      const done = await t.ph.requests.accept({ owner: 'bob', id: draft.id, items })
      expect(done.status).toBe('Completed')
      expect(done.response?.content.result).toBe('Accepted')
      expect(done.response?.content.items[1]).toEqual({
        '@type': 'ResponseItemGroup',
        items: [
          { '@type': 'RejectResponseItem', result: 'Rejected' },
          { '@type': 'RejectResponseItem', result: 'Rejected' },
        ],
      })
    })

    it('no_item_accepted: accepting with every item rejected', async () => {
      const { draft } = await openRequest(t.ph, [item.auth(false), item.group(item.freeText())])
      const items: Decisions = [{ accept: false }, { items: [{ accept: false }] }]
      const result = await t.ph.requests.canAccept({ owner: 'bob', id: draft.id, items })
      expect(result).toMatchObject({ isSuccess: false, code: 'no_item_accepted' })
      expect(result.message).toEqual(expect.any(String))
      await expectNoRequestChange(t, owners, async () => {
        const error = await expectError(
          () => t.ph.requests.accept({ owner: 'bob', id: draft.id, items }),
          'invalid_input',
        )
        expect(error.details.validation).toEqual(result)
      })
      // Rejecting the same way is fine.
      expect((await t.ph.requests.canReject({ owner: 'bob', id: draft.id, items })).isSuccess).toBe(
        true,
      )
    })

    it('invalid_parameters: a FreeTextRequestItem accepted without a string freeText', async () => {
      const { draft } = await openRequest(t.ph, standard())
      await refusedAccept(
        draft.id,
        [
          { accept: true },
          { items: [{ accept: true }, { accept: true }] },
          { accept: true, freeText: 5 },
        ],
        bad('item_invalid', [
          ok(),
          bad('item_invalid', [ok(), bad('invalid_parameters')]),
          bad('invalid_parameters'),
        ]),
      )
    })

    it('item_accepted_in_reject: a reject may not accept an item', async () => {
      const { draft } = await openRequest(t.ph, standard())
      await refusedReject(
        draft.id,
        [
          { accept: true },
          { items: [{ accept: false }, { accept: true, freeText: 'x' }] },
          { accept: false },
        ],
        bad('item_invalid', [
          bad('item_accepted_in_reject'),
          bad('item_invalid', [ok(), bad('item_accepted_in_reject')]),
          ok(),
        ]),
      )
    })

    it('invalid_transition: a Completed request can be neither accepted nor rejected', async () => {
      const { draft } = await openRequest(t.ph, standard())
      const items: Decisions = [
        { accept: true },
        { items: [{ accept: true }, { accept: true, freeText: 'x' }] },
        { accept: false },
      ]
      await t.ph.requests.accept({ owner: 'bob', id: draft.id, items })
      await refusedAccept(draft.id, items, bad('invalid_transition'), 'invalid_transition')
      await refusedReject(draft.id, undefined, bad('invalid_transition'), 'invalid_transition')
    })

    it('not_found: an unknown id, and the asker looking up her outgoing request as incoming', async () => {
      const { draft } = await openRequest(t.ph, standard())
      const items: Decisions = [
        { accept: true },
        { items: [{ accept: true }, { accept: true, freeText: 'x' }] },
        { accept: false },
      ]
      await refusedAccept('req_missing', items, bad('not_found'), 'not_found')
      await refusedReject('req_missing', undefined, bad('not_found'), 'not_found')
      await refusedAccept(draft.id, items, bad('not_found'), 'not_found', 'alice')
      await refusedReject(draft.id, undefined, bad('not_found'), 'not_found', 'alice')
      // Bob's side is untouched by all that, and still decidable.
      expect((await t.ph.requests.get({ owner: 'bob', id: draft.id }))?.status).toBe(
        'ManualDecisionRequired',
      )
      expect((await t.ph.requests.canAccept({ owner: 'bob', id: draft.id, items })).isSuccess).toBe(
        true,
      )
    })

    it('schema errors of canAccept/accept throw invalid_input naming the field', async () => {
      const { draft } = await openRequest(t.ph, standard())
      await expectError(
        () => t.ph.requests.canAccept({ owner: 'bob', id: draft.id } as never),
        'invalid_input',
        { field: 'items' },
      )
      await expectNoRequestChange(t, owners, () =>
        expectError(
          () => t.ph.requests.reject({ owner: 'bob', id: draft.id, colour: 'red' } as never),
          'invalid_input',
          { field: 'colour' },
        ),
      )
    })
  })
}
