import type { RequestConfig } from '../engine/context.js'
import type { RequestDecider, RequestItemProcessor } from './types.js'

/** `AuthenticationRequestItem`: the peer asks the owner to confirm it is them; accepted with nothing. */
const authentication: RequestItemProcessor = { type: 'AuthenticationRequestItem' }

/**
 * `ConsentRequestItem`: `consent` (the text agreed to) and an optional `link` to the full
 * terms. Accepting it records the consent: the Response both sides keep carries the text agreed
 * to and when, and the accepting account grants the request's peer consent (`consent.grant`,
 * in the accept's transaction; see `grantsConsent`).
 */
const consent: RequestItemProcessor = {
  type: 'ConsentRequestItem',
  validate(item) {
    if (
      typeof item.consent !== 'string' ||
      item.consent.length === 0 ||
      item.consent.length > 10_000
    ) {
      return {
        code: 'invalid_item',
        message: 'consent: expected the text to agree to (1 to 10000 characters)',
      }
    }
    if (item.link !== undefined && (typeof item.link !== 'string' || !isHttpUrl(item.link))) {
      return { code: 'invalid_item', message: 'link: expected an http(s) URL' }
    }
    return undefined
  },
  accept(item, _params, context) {
    return {
      '@type': 'ConsentAcceptResponseItem',
      result: 'Accepted',
      consent: item.consent ?? null,
      ...(item.link !== undefined && { link: item.link }),
      acceptedAt: context.now,
    }
  },
}

/** `FreeTextRequestItem`: asks for a text; accepting answers with `freeText`. */
const freeText: RequestItemProcessor = {
  type: 'FreeTextRequestItem',
  canAccept(_item, params) {
    const text = params.freeText
    if (typeof text !== 'string' || text.length > 10_000) {
      return {
        code: 'invalid_parameters',
        message: 'freeText: expected a string of at most 10000 characters',
      }
    }
    return undefined
  },
  accept(_item, params) {
    return {
      '@type': 'FreeTextAcceptResponseItem',
      result: 'Accepted',
      freeText: params.freeText ?? '',
    }
  },
}

/**
 * Internal: the processors whose accepted items grant the request's peer consent from the
 * accepting account (respond.ts). Only the built-in `ConsentRequestItem`: a host processor
 * that replaces the kind decides for itself.
 */
export const grantsConsent: ReadonlySet<RequestItemProcessor> = new Set([consent])

export const builtinProcessors: readonly RequestItemProcessor[] = [
  authentication,
  consent,
  freeText,
]

/** The item kinds by `@type`: the built-in ones, then the host's (which may replace one). */
export function requestConfig(
  processors: readonly RequestItemProcessor[] = [],
  deciders: readonly RequestDecider[] = [],
): RequestConfig {
  const byType = new Map<string, RequestItemProcessor>()
  for (const p of [...builtinProcessors, ...processors]) byType.set(p.type, p)
  return { processors: byType, deciders }
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text)
    return url.protocol === 'https:' || url.protocol === 'http:'
  } catch {
    return false
  }
}
