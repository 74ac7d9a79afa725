import type { Target } from './lib/summary.js'

/**
 * The project's targets, read by `npm run bench -- --summary` (never by a plain or a --quick
 * run: a missed target is reported, it fails nothing). A target attaches to the rows of a case
 * by the row's label (`measure`, or the label a case gives `env.figure`), exactly or by a
 * pattern: a new case adds its targets with one line each, here. The labels are those of a
 * full run (quick runs use other sizes, so their rows find no target).
 */
export const targets: readonly Target[] = (
  [
    { case: 'send', row: 'one-to-one send', kind: 'ratio', min: 0.8, source: 'issue 9' },
    { case: 'send-many', row: 'sendMany of 1000 items', kind: 'ratio', min: 0.9 },
    { case: 'counts-scale', row: /^boxes\.counts, inbox of /, kind: 'ratio', min: 0.7 },
    { case: 'page', row: /./, kind: 'ratio', min: 0.7 },
    { case: 'mark-read', row: 'markRead of 1 id', kind: 'ratio', min: 0.7 },
    { case: 'mark-read', row: 'markRead of 100 ids', kind: 'ratio', min: 0.7 },
    { case: 'mark-read', row: 'markRead of a whole box of 100k unread', kind: 'ms', max: 500 },
    { case: 'get-item', row: /^getItem by id/, kind: 'ratio', min: 0.7 },
    { case: 'pg-mark-read', row: /^markRead of a whole box/, kind: 'ms', max: 2000 },
    {
      case: 'send-durable',
      row: "16 senders, 'full' + group commit vs 'normal'",
      kind: 'ratio',
      min: 0.5,
    },
    { case: 'pg-send', row: 'one-to-one send, pg one at a time', kind: 'ratio', min: 0.7 },
    { case: 'pg-send', row: 'one-to-one send, pg pipelined', kind: 'ratio', min: 0.7 },
    { case: 'pg-page', row: /./, kind: 'ratio', min: 0.85 },
    { case: 'broadcast', row: 'to 100k accounts', kind: 'ms', max: 2000 },
    { case: 'page-scale', row: /^growth /, kind: 'growth', max: 1.3 },
    { case: 'counts-scale', row: /^growth /, kind: 'growth', max: 1.3 },
    // Issue 12: upload and download beside node:crypto's cipher over the same bytes. The
    // noble rows measure the pure-JavaScript fallback against the native cipher: no target.
    { case: 'file-stream', row: /raw cipher$/, kind: 'ratio', min: 0.8, source: 'issue 12' },
    { case: 'file-crypto', row: /\(native\)/, kind: 'ratio', min: 0.8, source: 'issue 12' },
    {
      case: 'file-stream',
      row: 'peak growth, 1 GiB up and down',
      kind: 'MiB',
      max: 64,
      source: 'issue 12',
    },
    {
      case: 'events-backpressure',
      row: 'peak live heap growth, events.stream()',
      kind: 'MiB',
      max: 16,
    },
  ] satisfies Target[]
).map((t) => ({ source: 'issue 16', ...t }))
