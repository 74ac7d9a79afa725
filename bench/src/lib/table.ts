import { availableParallelism, cpus } from 'node:os'
import type { BenchRow } from './case.js'
import type { Stats } from './measure.js'

/** Date, machine and Node version: the header of every table. */
export function machineLine(): string {
  const date = new Date().toISOString().slice(0, 10)
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU'
  return `${date} · ${availableParallelism()} CPUs (${cpu}) · Node ${process.version}`
}

function perOp(s: Stats): string {
  const us = s.medianNs / 1000
  return `${us < 10 ? us.toFixed(2) : us < 100 ? us.toFixed(1) : us.toFixed(0)} µs`
}

function perSec(s: Stats): string {
  return Math.round(s.opsPerSec).toLocaleString('en-US')
}

/**
 * A Markdown table (readable in a terminal, pasted as is into the README). ratio is engine
 * throughput over reference throughput: 1.00 would be as fast as the hand-written code.
 */
export function formatTable(rows: readonly BenchRow[]): string {
  const head = ['case', 'operation', 'engine', 'ops/s', 'reference', 'ops/s', 'ratio', 'spread']
  const body = rows.map((r) => [
    r.case,
    r.measure,
    perOp(r.engine),
    perSec(r.engine),
    perOp(r.reference),
    perSec(r.reference),
    (r.engine.opsPerSec / r.reference.opsPerSec).toFixed(2),
    `${Math.round(r.engine.spread * 100)}% / ${Math.round(r.reference.spread * 100)}%`,
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)))
  const right = new Set([2, 3, 4, 5, 6, 7])
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`
  // The rule as Biome formats Markdown, so the table pastes into the README unchanged.
  const rule = `| ${widths.map((w, i) => (right.has(i) ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`
  return [line(head), rule, ...body.map(line)].join('\n')
}
