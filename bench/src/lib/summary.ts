// The summary of several runs against the project's targets: pure logic, unit-tested
// (test/bench/summary.test.ts). Never used to fail a run: a missed target is reported only.

/** What a target bounds, and where its figure comes from. */
export type TargetKind = 'ratio' | 'ms' | 'growth' | 'MiB'

/** A target: attaches to the rows of `case` whose label is `row` (or matches it). */
export interface Target {
  case: string
  /** The row's label (`measure`), exactly, or a pattern for several rows. */
  row: string | RegExp
  /**
   * `ratio`: engine throughput / reference throughput of a pair row. `ms`: the engine's median
   * time of a pair row, or a figure in ms. `growth` (×) and `MiB`: a figure the case reports.
   */
  kind: TargetKind
  /** The figure must be at least this (ratios). */
  min?: number
  /** The figure must be at most this (times, growth, memory). */
  max?: number
  /** Where the target comes from (an issue), for the README. */
  source?: string
}

/** One figure of one run: a row's label and the number the target's kind reads. */
export interface RunFigure {
  case: string
  row: string
  kind: TargetKind
  value: number
}

export type Verdict = 'met' | 'NOT met' | 'no figure'

export interface SummaryLine {
  case: string
  row: string
  target: Target
  /** One value per run that produced it. */
  values: number[]
  median: number | undefined
  min: number | undefined
  max: number | undefined
  verdict: Verdict
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Met when the median is within every bound the target gives; no figure without a value. */
export function verdict(target: Target, value: number | undefined): Verdict {
  if (value === undefined || !Number.isFinite(value)) return 'no figure'
  if (target.min !== undefined && value < target.min) return 'NOT met'
  if (target.max !== undefined && value > target.max) return 'NOT met'
  return 'met'
}

function matches(target: Target, figure: RunFigure): boolean {
  if (figure.case !== target.case || figure.kind !== target.kind) return false
  return typeof target.row === 'string' ? figure.row === target.row : target.row.test(figure.row)
}

/**
 * One line per (target, row it matched), in the targets' order, rows in the order first seen;
 * a target that matched nothing (its case not run, or no row of that label: rename it there)
 * gives one line with no figure.
 */
export function summarize(targets: readonly Target[], runs: readonly RunFigure[][]): SummaryLine[] {
  const lines: SummaryLine[] = []
  for (const target of targets) {
    const byRow = new Map<string, number[]>()
    for (const run of runs) {
      for (const figure of run) {
        if (!matches(target, figure)) continue
        const values = byRow.get(figure.row) ?? []
        values.push(figure.value)
        byRow.set(figure.row, values)
      }
    }
    if (byRow.size === 0) {
      const row =
        typeof target.row === 'string'
          ? target.row
          : target.row.source === '.'
            ? 'every row'
            : `rows matching ${String(target.row)}`
      lines.push({
        case: target.case,
        row,
        target,
        values: [],
        median: undefined,
        min: undefined,
        max: undefined,
        verdict: 'no figure',
      })
      continue
    }
    for (const [row, values] of byRow) {
      const m = median(values)
      lines.push({
        case: target.case,
        row,
        target,
        values,
        median: m,
        min: Math.min(...values),
        max: Math.max(...values),
        verdict: verdict(target, m),
      })
    }
  }
  return lines
}

const units: Record<TargetKind, string> = { ratio: '', ms: ' ms', growth: '×', MiB: ' MiB' }

/** A figure with the target kind's unit: ratios and growth with 2 decimals, ms and MiB with 0 or 1. */
export function formatValue(kind: TargetKind, value: number): string {
  const digits = kind === 'ratio' || kind === 'growth' ? 2 : value < 10 ? 1 : 0
  return `${value.toFixed(digits)}${units[kind]}`
}

export function formatTarget(target: Target): string {
  const bounds: string[] = []
  if (target.min !== undefined) bounds.push(`≥ ${formatValue(target.kind, target.min)}`)
  if (target.max !== undefined) bounds.push(`≤ ${formatValue(target.kind, target.max)}`)
  const what = target.kind === 'ratio' ? 'ratio ' : ''
  return `${what}${bounds.join(', ')}${target.source ? ` (${target.source})` : ''}`
}

/** The Markdown table: case, operation, target, median, spread (min–max), runs, verdict. */
export function summaryTable(lines: readonly SummaryLine[]): string {
  const head = ['case', 'operation', 'target', 'median', 'spread (min–max)', 'runs', 'verdict']
  const body = lines.map((l) => [
    l.case,
    l.row,
    formatTarget(l.target),
    l.median === undefined ? '–' : formatValue(l.target.kind, l.median),
    l.min === undefined || l.max === undefined
      ? '–'
      : `${formatValue(l.target.kind, l.min)} – ${formatValue(l.target.kind, l.max)}`,
    String(l.values.length),
    l.verdict,
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)))
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
  const rule = `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`
  return [line(head), rule, ...body.map(line)].join('\n')
}

/** `text` with what is between the two markers replaced by `content` (markers kept). */
export function replaceBetween(text: string, start: string, end: string, content: string): string {
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from < 0 || to < from)
    throw new Error(`replaceBetween: markers ${start} ... ${end} not found`)
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`
}
