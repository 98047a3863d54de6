// Statistics (median, p90) and the text / Markdown tables the report prints.


export interface Stats { median: number; p10: number; p90: number; min: number; n: number }

function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
function stats(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p10: quantile(sorted, 0.1), p90: quantile(sorted, 0.9), min: sorted[0]!,
    n: sorted.length };
}
const median = (xs: readonly number[]): number => stats(xs).median;
function fmtUs(us: number | undefined): string {
  if (us === undefined || Number.isNaN(us)) return '—';
  if (us >= 1000) return `${(us / 1000).toFixed(us >= 100000 ? 0 : 2)} ms`;
  if (us >= 10) return `${us.toFixed(1)} µs`;
  return `${us.toFixed(3)} µs`;
}
const fmtX = (x: number | undefined, digits = 2): string => (x === undefined || !Number.isFinite(x) ? '—' : `${x.toFixed(digits)}×`);
const fmtMB = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(2)} MB`;

function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: readonly unknown[]): string => cells.map((c, i) => String(c).padEnd(widths[i]!)).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
function mdTable(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const esc = (c: unknown): string => String(c).replace(/\|/g, '\\|');
  return [`| ${headers.map(esc).join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export { quantile, stats, median, fmtUs, fmtX, fmtMB, table, mdTable, sleep };
