import { ConsentCard, RequestsCard } from './account-cards.js'
import { Engine, enc } from './api.js'
import { attempt, bytes, facts, fill, h, json, summary, time } from './render.js'
import { startTail } from './tail.js'

const pageSize = 20

/** One engine's view: accounts, boxes, messages, a message, requests, consent, live events. */
export class Pane {
  constructor(root, info, allowWrites) {
    this.engine = new Engine(info.name)
    this.allowWrites = allowWrites
    this.state = { account: null, box: 'inbox', cursor: null, message: null }
    this.el = root.querySelector('#pane-template').content.firstElementChild.cloneNode(true)
    this.el.dataset.engine = info.name
    this.$ = (sel) => this.el.querySelector(sel)
    this.$('.engine-name').textContent = info.name
    this.$('.verify').addEventListener('click', () => this.verify())
    let typing
    this.$('.account-search').addEventListener('input', (e) => {
      clearTimeout(typing)
      typing = setTimeout(() => this.loadAccounts(e.target.value.trim()), 150)
    })
    this.$('.more-accounts').addEventListener('click', () => this.loadAccounts(this.prefix, true))
    this.$('.older').addEventListener('click', () => this.loadMessages(this.next))
    this.$('.newest').addEventListener('click', () => this.loadMessages(null))
    this.$('.newer').addEventListener('click', () => this.loadMessages(this.prev))
    this.requests = new RequestsCard(this)
    this.consent = new ConsentCard(this)
    if (allowWrites) this.#writeForms()
    root.querySelector('#panes').append(this.el)
    this.loadAccounts('')
    this.tail = startTail(
      this.engine,
      this.$('.events'),
      this.$('.tail-status'),
      info.lastCursor,
      (event) => this.#onEvent(event),
    )
  }

  async loadAccounts(prefix, more = false) {
    this.prefix = prefix
    const list = this.$('.account-list')
    await attempt(list, async () => {
      const page = await this.engine.get('/accounts', {
        prefix: prefix || undefined,
        limit: 50,
        cursor: more ? this.accountsCursor : undefined,
      })
      this.accountsCursor = page.nextCursor
      if (!more) list.replaceChildren()
      for (const a of page.items) {
        list.append(
          h(
            'li',
            {},
            h(
              'button',
              {
                class: 'account',
                dataset: { account: a.address },
                onclick: () => this.selectAccount(a.address),
              },
              h('span', { class: 'address' }, a.address),
              h('span', { class: 'mode' }, a.consent),
            ),
          ),
        )
      }
      if (!more && page.items.length === 0) list.append(h('li', { class: 'empty' }, 'no account'))
      this.$('.more-accounts').hidden = page.nextCursor === null
      this.#markSelected()
    })
  }

  #markSelected() {
    for (const b of this.el.querySelectorAll('.account')) {
      b.classList.toggle('selected', b.dataset.account === this.state.account)
    }
    for (const b of this.el.querySelectorAll('.box')) {
      b.classList.toggle('selected', b.dataset.box === this.state.box)
    }
  }

  async selectAccount(address) {
    this.state = { account: address, box: 'inbox', cursor: null, message: null }
    this.$('.account-title').textContent = address
    this.$('.account-view').hidden = false
    fill(this.$('.message-view'), h('p', { class: 'hint' }, 'Pick a message'))
    this.#markSelected()
    await Promise.all([
      this.loadBoxes(),
      this.loadMessages(null),
      this.requests.load(),
      this.consent.load(),
    ])
  }

  async loadBoxes() {
    const owner = this.state.account
    const boxes = this.$('.boxes')
    await attempt(boxes, async () => {
      const list = await this.engine.get(`/accounts/${enc(owner)}/boxes`)
      fill(
        boxes,
        list.map((b) =>
          h(
            'li',
            {},
            h(
              'button',
              { class: 'box', dataset: { box: b.name }, onclick: () => this.selectBox(b.name) },
              h('span', { class: 'name' }, b.name),
              h('span', { class: 'total', title: 'total' }, b.total),
              h('span', { class: `unread${b.unread ? ' some' : ''}`, title: 'unread' }, b.unread),
            ),
          ),
        ),
      )
      this.#markSelected()
    })
  }

  async selectBox(name) {
    this.state.box = name
    this.#markSelected()
    await this.loadMessages(null)
  }

  async loadMessages(cursor) {
    const { account: owner, box } = this.state
    const body = this.$('.messages tbody')
    await attempt(body, async () => {
      const page = await this.engine.get(`/accounts/${enc(owner)}/messages`, {
        box,
        limit: pageSize,
        cursor: cursor ?? undefined,
      })
      this.state.cursor = cursor
      this.next = page.nextCursor
      this.prev = page.prevCursor
      this.$('.older').hidden = page.nextCursor === null
      this.$('.newest').hidden = cursor === null
      this.$('.newer').hidden = cursor === null || page.prevCursor === null
      fill(
        body,
        page.items.map(({ entry, message }) =>
          h(
            'tr',
            {
              class: `message-row${entry.readAt === null ? ' unread' : ''}${message.id === this.state.message ? ' selected' : ''}`,
              dataset: { message: message.id },
              onclick: () => this.showMessage(message.id),
            },
            h(
              'td',
              { class: 'from' },
              entry.role === 'sent'
                ? `to ${message.to.join(', ') || 'everyone'}`
                : (message.from ?? 'system'),
            ),
            h('td', { class: 'subject' }, summary(message.content)),
            h('td', { class: 'when' }, time(message.createdAt)),
            h('td', { class: 'v' }, `v${message.version}/${entry.version}`),
          ),
        ),
      )
      if (page.items.length === 0)
        body.append(h('tr', {}, h('td', { colspan: 4, class: 'empty' }, 'empty box')))
    })
  }

  async showMessage(id) {
    const owner = this.state.account
    this.state.message = id
    for (const r of this.el.querySelectorAll('.message-row'))
      r.classList.toggle('selected', r.dataset.message === id)
    const view = this.$('.message-view')
    await attempt(view, async () => {
      const { entry, message } = await this.engine.get(
        `/accounts/${enc(owner)}/messages/${enc(id)}/item`,
      )
      const sent = message.from === owner
      const receipts = sent
        ? await this.engine.get(`/accounts/${enc(owner)}/messages/${enc(id)}/receipts`)
        : null
      fill(
        view,
        h('h3', { class: 'message-subject' }, summary(message.content) || message.id),
        facts(
          [
            ['id', message.id],
            ['from', message.from ?? 'system'],
            ['to', message.broadcast ? 'every account (broadcast)' : message.to.join(', ')],
            ['sent', time(message.createdAt)],
            ['message version', h('span', { class: 'message-version' }, message.version)],
            [
              'entry',
              h(
                'span',
                { class: 'entry' },
                `${entry.role} · box ${entry.box} · version ${entry.version}`,
              ),
            ],
            ['read', h('span', { class: 'read-at' }, time(entry.readAt))],
            ['thread', message.threadId],
            message.retractedAt !== null && ['retracted', time(message.retractedAt)],
          ].filter(Boolean),
        ),
        h('h4', {}, 'Shared content'),
        json(message.content, 'json content'),
        message.files?.length
          ? [
              h('h4', {}, 'Attachments'),
              h(
                'ul',
                { class: 'attachments' },
                message.files.map((f) =>
                  h(
                    'li',
                    {},
                    h(
                      'a',
                      {
                        href: this.engine.url(
                          `/accounts/${enc(owner)}/messages/${enc(id)}/attachments/${enc(f.id)}`,
                        ),
                        download: f.name,
                      },
                      f.name,
                    ),
                    ` ${f.mimeType}, ${bytes(f.size)}${f.expired ? ', expired' : ''} · sha256 ${f.sha256.slice(0, 12)}…`,
                  ),
                ),
              ),
            ]
          : null,
        receipts
          ? [
              h('h4', {}, 'Receipts'),
              h(
                'table',
                { class: 'receipts' },
                h(
                  'thead',
                  {},
                  h(
                    'tr',
                    {},
                    h('th', {}, 'recipient'),
                    h('th', {}, 'delivered'),
                    h('th', {}, 'read'),
                    h('th', {}, 'status'),
                  ),
                ),
                h(
                  'tbody',
                  {},
                  receipts.map((r) =>
                    h(
                      'tr',
                      { dataset: { recipient: r.recipient } },
                      h('td', {}, r.recipient),
                      h('td', {}, time(r.deliveredAt)),
                      h('td', {}, time(r.readAt)),
                      h(
                        'td',
                        {},
                        r.status ?? (r.readAt ? 'read' : 'delivered'),
                        r.code ? ` (${r.code})` : '',
                      ),
                    ),
                  ),
                ),
              ),
            ]
          : null,
        this.allowWrites && entry.role === 'received'
          ? h(
              'button',
              {
                class: 'mark-read',
                onclick: () =>
                  this.write(
                    view,
                    `/accounts/${enc(owner)}/messages/${entry.readAt ? 'unread' : 'read'}`,
                    { ids: [id] },
                  ),
              },
              entry.readAt ? 'Mark unread' : 'Mark read',
            )
          : null,
      )
    })
  }

  async verify() {
    const out = this.$('.verify-result')
    out.textContent = 'verifying…'
    out.dataset.state = ''
    await attempt(out, async () => {
      const { differences } = await this.engine.get('/verify')
      out.dataset.state = differences.length === 0 ? 'ok' : 'differences'
      fill(
        out,
        differences.length === 0
          ? '✓ verify(): no differences'
          : [`✗ ${differences.length} differences`, json(differences)],
      )
    })
  }

  // Events of the account on show refresh its counts and its first page without a reload.
  #onEvent(event) {
    if (event.type.startsWith('account.')) {
      clearTimeout(this.accountsTimer)
      this.accountsTimer = setTimeout(() => this.loadAccounts(this.prefix ?? ''), 200)
    }
    if (this.state.account === null || event.owner !== this.state.account) return
    clearTimeout(this.refreshTimer)
    this.refreshTimer = setTimeout(() => {
      this.loadBoxes()
      if (this.state.cursor === null) this.loadMessages(null)
      if (event.type.startsWith('request.')) this.requests.load()
      if (event.type === 'consent.changed') this.consent.load()
      if (event.messageId !== null && event.messageId === this.state.message)
        this.showMessage(this.state.message)
    }, 100)
  }

  /** Posts `body` to `path`; a failure is shown in `where`. */
  async write(where, path, body) {
    await attempt(where, async () => {
      await this.engine.post(path, body)
    })
  }

  #writeForms() {
    const form = this.$('.send-form')
    form.hidden = false
    form.addEventListener('submit', async (e) => {
      e.preventDefault()
      const data = new FormData(form)
      const out = form.querySelector('output')
      await attempt(out, async () => {
        const message = await this.engine.post('/messages', {
          from: this.state.account,
          to: String(data.get('to'))
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
          content: { subject: data.get('subject') || undefined, text: String(data.get('text')) },
        })
        fill(out, `sent ${message.id}`)
      })
    })
  }
}
