import { enc } from './api.js'
import { attempt, facts, fill, h, json, time } from './render.js'

/** Requests per page; "More" appends the next page. */
const requestsPageSize = 50
/** Consent states per page; "More" appends the next page. */
const consentPageSize = 100

/**
 * The account's Requests, newest first, a page at a time ("More" appends the next): each with
 * its status history, items and Response; with --allow-writes, accept and reject for those
 * waiting on a decision.
 */
export class RequestsCard {
  #shown = 0
  #cursor = null

  constructor(pane) {
    this.pane = pane
    this.list = pane.$('.requests')
    this.more = pane.$('.more-requests')
    this.more.addEventListener('click', () => this.load(true))
  }

  async load(more = false) {
    const { pane, list } = this
    const owner = pane.state.account
    await attempt(list, async () => {
      const page = await pane.engine.get(`/accounts/${enc(owner)}/requests`, {
        limit: requestsPageSize,
        cursor: more ? this.#cursor : undefined,
      })
      this.#cursor = page.nextCursor
      if (!more) {
        list.replaceChildren()
        this.#shown = 0
      }
      this.#shown += page.items.length
      list.append(...page.items.map((r) => this.#request(owner, r)))
      pane.$('.request-count').textContent = `(${this.#shown}${page.nextCursor ? '+' : ''})`
      this.more.hidden = page.nextCursor === null
      if (this.#shown === 0) list.append(h('li', { class: 'empty' }, 'no request'))
    })
  }

  #request(owner, r) {
    return h(
      'li',
      { class: 'request', dataset: { request: r.id, status: r.status } },
      h(
        'details',
        {},
        h(
          'summary',
          {},
          h('span', { class: `status s-${r.status}` }, r.status),
          ` ${r.direction} ${r.direction === 'outgoing' ? '→' : '←'} ${r.peer} · ${r.content.title ?? r.id}`,
        ),
        facts([
          ['id', r.id],
          ['created', time(r.createdAt)],
          ['expires', time(r.expiresAt)],
          ['message', r.sourceMessageId],
          ['version', r.version],
        ]),
        h('h4', {}, 'Status history'),
        h(
          'ol',
          { class: 'history' },
          r.history.map((c) =>
            h('li', {}, `${c.from ?? '∅'} → ${c.to} at ${time(c.at)}${c.by ? ` by ${c.by}` : ''}`),
          ),
        ),
        h('h4', {}, 'Items'),
        json(r.content.items),
        h('h4', {}, 'Response'),
        r.response
          ? json(r.response.content, 'json response')
          : h('p', { class: 'hint' }, 'none yet'),
        this.#decide(owner, r),
      ),
    )
  }

  /** Accept all / Reject, for an incoming Request waiting on a decision (--allow-writes). */
  #decide(owner, r) {
    const waiting = ['DecisionRequired', 'ManualDecisionRequired'].includes(r.status)
    if (!this.pane.allowWrites || r.direction !== 'incoming' || !waiting) return null
    const path = `/accounts/${enc(owner)}/requests/${enc(r.id)}`
    const post = (e, action, body) =>
      this.pane.write(e.target.parentElement, `${path}/${action}`, body)
    return h(
      'p',
      { class: 'decide' },
      h(
        'button',
        {
          class: 'accept',
          onclick: (e) => post(e, 'accept', { items: acceptAll(r.content.items) }),
        },
        'Accept all',
      ),
      ' ',
      h('button', { class: 'reject', onclick: (e) => post(e, 'reject', {}) }, 'Reject'),
    )
  }
}

/** The account's consent mode and the state it holds per sender, a page at a time. */
export class ConsentCard {
  #shown = 0
  #cursor = null

  constructor(pane) {
    this.pane = pane
    this.body = pane.$('.consent tbody')
    this.more = pane.$('.more-consent')
    this.more.addEventListener('click', () => this.load(true))
  }

  async load(more = false) {
    const { pane, body } = this
    const owner = pane.state.account
    await attempt(body, async () => {
      const [account, page] = await Promise.all([
        pane.engine.get(`/accounts/${enc(owner)}`),
        pane.engine.get(`/accounts/${enc(owner)}/consent`, {
          limit: consentPageSize,
          cursor: more ? this.#cursor : undefined,
        }),
      ])
      this.#cursor = page.nextCursor
      pane.$('.consent-mode').textContent = `mode ${account.consent}`
      if (!more) {
        body.replaceChildren()
        this.#shown = 0
      }
      this.#shown += page.items.length
      body.append(
        ...page.items.map((c) =>
          h(
            'tr',
            { dataset: { sender: c.sender } },
            h('td', {}, c.sender),
            h('td', { class: `state ${c.state}` }, c.state),
            h('td', {}, time(c.updatedAt)),
          ),
        ),
      )
      this.more.hidden = page.nextCursor === null
      if (this.#shown === 0) {
        fill(
          body,
          h(
            'tr',
            {},
            h(
              'td',
              { colspan: 3, class: 'empty' },
              'no sender granted or revoked: every sender is unknown',
            ),
          ),
        )
      }
    })
  }
}

/** Accept every item (and every item of a group), with no parameters. */
function acceptAll(items) {
  return items.map((i) =>
    i['@type'] === 'RequestItemGroup'
      ? { items: i.items.map(() => ({ accept: true })) }
      : { accept: true },
  )
}
