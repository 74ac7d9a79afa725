import type { Pigeonhole } from '@pigeonhole/core'
import type { StaticKey } from '@pigeonhole/transport-http'
import { z } from 'zod'

export type { StaticKey }

export interface InspectorOptions {
  /**
   * The engine to show, or several by name (`{ a, b }`: the two engines of a memory network,
   * side by side). One engine alone is named `main`.
   */
  engines: Pigeonhole | Record<string, Pigeonhole>
  /**
   * Keys from the host's configuration (as `restApi`'s): `{ key, account? }`. Keys stored with
   * `ph.admin.apiKeys.create` work too, on the engine that stores them. The page needs an
   * admin key (it lists every account).
   */
  keys?: StaticKey[]
  /**
   * Let the page write (send, mark read, accept and reject requests) for manual testing.
   * Default false: every call but GET and HEAD to an engine is refused (403 `forbidden`).
   */
  allowWrites?: boolean
  /** How often the live tail's SSE stream sends a keep-alive comment, in ms. Default 15000. */
  heartbeatMs?: number
}

export const engineName = /^[a-z0-9][a-z0-9_-]{0,31}$/

const isEngine = (v: unknown): v is Pigeonhole =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as Pigeonhole).verify === 'function' &&
  typeof (v as Pigeonhole).accounts === 'object'

const engine = z.custom<Pigeonhole>(isEngine, 'a Pigeonhole engine (openPigeonhole(...))')

export const inspectorOptions = z.strictObject({
  engines: z.union([
    engine,
    z
      .record(z.string().regex(engineName, 'engine names: 1-32 of a-z, 0-9, "_", "-"'), engine)
      .refine((r) => Object.keys(r).length > 0, 'at least one engine'),
  ]),
  keys: z
    .array(
      z.strictObject({
        key: z.string().min(32),
        account: z.string().optional(),
        id: z.string().optional(),
      }),
    )
    .optional(),
  allowWrites: z.boolean().optional(),
  heartbeatMs: z.number().int().positive().optional(),
})
