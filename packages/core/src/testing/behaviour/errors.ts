import { describe, expect, it } from 'vitest'
import { errorCodes, isPigeonholeError, openPigeonhole, PigeonholeError } from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { expectError, register } from './helpers.js'

export function describeErrors(options: ConformanceOptions): void {
  describe('errors', () => {
    const t = useEngine(options)

    it('are PigeonholeErrors with a stable code, the method, the field, expected and got', async () => {
      await register(t.ph, 'bob')
      const error = await expectError(
        t.ph.messages.list({ owner: 'bob', limit: 2000 }),
        'invalid_input',
      )
      expect(error).toBeInstanceOf(Error)
      expect(error.name).toBe('PigeonholeError')
      expect(error.message).toBe('messages.list: limit: expected a number <= 1000, got 2000')
      expect(error.details).toMatchObject({
        field: 'limit',
        expected: 'a number <= 1000',
        got: '2000',
      })
      expect(isPigeonholeError(error)).toBe(true)
      expect(isPigeonholeError(error, 'invalid_input')).toBe(true)
      expect(isPigeonholeError(error, 'not_found')).toBe(false)
      expect(isPigeonholeError(new Error('x'))).toBe(false)
    })

    it('every code raised has a meaning in the one table', async () => {
      for (const code of [
        'invalid_input',
        'not_found',
        'already_exists',
        'recipient_not_found',
        'version_conflict',
        'idempotency_conflict',
        'invalid_transition',
        'thread_closed',
        'forbidden',
        'closed',
      ] as const) {
        expect(typeof errorCodes[code]).toBe('string')
        expect(new PigeonholeError(code, 'm').code).toBe(code)
      }
    })

    it('openPigeonhole refuses something that is not a store', async () => {
      await expectError(openPigeonhole({ store: undefined as never }), 'invalid_input', {
        message: /store: expected a store/,
        field: 'store',
      })
    })
  })
}
