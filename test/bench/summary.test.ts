import { describe, expect, it } from 'vitest'
import { rowFigures } from '../../bench/src/lib/run-case.js'
import {
  formatTarget,
  median,
  type RunFigure,
  replaceBetween,
  summarize,
  summaryTable,
  type Target,
  verdict,
} from '../../bench/src/lib/summary.js'
import { targets } from '../../bench/src/targets.js'

const ratio = (c: string, row: string, value: number): RunFigure => ({
  case: c,
  row,
  kind: 'ratio',
  value,
})

describe('bench summary', () => {
  it('median: the middle value, or the mean of the two middle ones; none of nothing', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([0.8])).toBe(0.8)
    expect(median([])).toBeUndefined()
  })

  it('verdict: met within every bound, the bound itself included; no figure without a value', () => {
    const atLeast: Target = { case: 'send', row: 'x', kind: 'ratio', min: 0.8 }
    expect(verdict(atLeast, 0.8)).toBe('met')
    expect(verdict(atLeast, 0.79)).toBe('NOT met')
    const atMost: Target = { case: 'broadcast', row: 'x', kind: 'ms', max: 2000 }
    expect(verdict(atMost, 2000)).toBe('met')
    expect(verdict(atMost, 2001)).toBe('NOT met')
    const both: Target = { case: 'c', row: 'x', kind: 'growth', min: 1, max: 1.3 }
    expect(verdict(both, 0.9)).toBe('NOT met')
    expect(verdict(both, 1.2)).toBe('met')
    expect(verdict(atLeast, undefined)).toBe('no figure')
    expect(verdict(atLeast, Number.NaN)).toBe('no figure')
  })

  it('summarize: the median and spread of each matched row over the runs, judged on the median', () => {
    const target: Target = { case: 'send', row: 'one-to-one send', kind: 'ratio', min: 0.8 }
    const runs = [0.82, 0.75, 0.9, 0.79, 0.81].map((v) => [
      ratio('send', 'one-to-one send', v),
      // Another case and another kind with the same label do not count.
      ratio('send-many', 'one-to-one send', 0.1),
      { ...ratio('send', 'one-to-one send', 99), kind: 'ms' as const },
    ])
    const [line, ...rest] = summarize([target], runs)
    expect(rest).toEqual([])
    expect(line).toMatchObject({ median: 0.81, min: 0.75, max: 0.9, verdict: 'met' })
    expect(line!.values).toHaveLength(5)
    const missed = summarize([{ ...target, min: 0.85 }], runs)
    expect(missed[0]!.verdict).toBe('NOT met')
  })

  it('summarize: a pattern gives one line per row it matches; a target that matches nothing says so', () => {
    const runs = [
      [ratio('page', 'first page', 0.9), ratio('page', 'middle page', 0.6)],
      [ratio('page', 'first page', 0.7), ratio('page', 'middle page', 0.65)],
    ]
    const lines = summarize(
      [
        { case: 'page', row: /page$/, kind: 'ratio', min: 0.7 },
        { case: 'get-item', row: 'getItem', kind: 'ratio', min: 0.7 },
      ],
      runs,
    )
    expect(lines.map((l) => [l.row, l.median, l.verdict])).toEqual([
      ['first page', 0.8, 'met'],
      ['middle page', 0.625, 'NOT met'],
      ['getItem', undefined, 'no figure'],
    ])
  })

  it('a pair row gives its ratio (throughput over the reference) and the engine median in ms', () => {
    const stats = (medianNs: number) => ({ medianNs, opsPerSec: 1e9 / medianNs, spread: 0 })
    const figures = rowFigures({
      case: 'broadcast',
      measure: 'to 100k accounts',
      engine: stats(1.5e9),
      reference: stats(1e9),
    })
    expect(figures).toEqual([
      { case: 'broadcast', row: 'to 100k accounts', kind: 'ratio', value: 1e9 / 1.5e9 },
      { case: 'broadcast', row: 'to 100k accounts', kind: 'ms', value: 1500 },
    ])
    const [line] = summarize(
      [{ case: 'broadcast', row: 'to 100k accounts', kind: 'ms', max: 2000 }],
      [figures],
    )
    expect(line).toMatchObject({ median: 1500, verdict: 'met' })
  })

  it('the table and the README markers', () => {
    const table = summaryTable(
      summarize(
        [{ case: 'send', row: 'one-to-one send', kind: 'ratio', min: 0.8, source: 'issue 9' }],
        [[ratio('send', 'one-to-one send', 0.78)], [ratio('send', 'one-to-one send', 0.84)]],
      ),
    )
    const lines = table.split('\n')
    expect(lines[0]).toMatch(/^\| case +\| operation +\| target +\| median +\| spread/)
    expect(lines[2]).toContain('| ratio ≥ 0.80 (issue 9) | 0.81 ')
    expect(lines[2]).toContain('| 0.78 – 0.84 ')
    expect(lines[2]).toMatch(/\| met +\|$/)
    expect(formatTarget({ case: 'f', row: 'r', kind: 'MiB', max: 64 })).toBe('≤ 64 MiB')
    const readme = 'top\n<!-- summary:start -->\nold\n<!-- summary:end -->\nrest'
    expect(replaceBetween(readme, '<!-- summary:start -->', '<!-- summary:end -->', 'new')).toBe(
      'top\n<!-- summary:start -->\nnew\n<!-- summary:end -->\nrest',
    )
    expect(() => replaceBetween('none', '<a>', '<b>', 'x')).toThrow(/markers/)
  })

  it('the declared targets name cases that exist or are coming, each with a bound', () => {
    for (const t of targets) {
      expect(t.min !== undefined || t.max !== undefined, `${t.case}: no bound`).toBe(true)
      expect(t.source).toBeDefined()
    }
  })
})
