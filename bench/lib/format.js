'use strict';
// Statistics (median, p90) and the text / Markdown tables the report prints.


function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), min: sorted[0], n: sorted.length };
}
const median = (xs) => stats(xs).median;
function fmtUs(us) {
  if (us === undefined || Number.isNaN(us)) return '—';
  if (us >= 1000) return `${(us / 1000).toFixed(us >= 100000 ? 0 : 2)} ms`;
  if (us >= 10) return `${us.toFixed(1)} µs`;
  return `${us.toFixed(3)} µs`;
}
const fmtX = (x, digits = 2) => (x === undefined || !Number.isFinite(x) ? '—' : `${x.toFixed(digits)}×`);
const fmtMB = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(2)} MB`;

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
function mdTable(headers, rows) {
  const esc = (c) => String(c).replace(/\|/g, '\\|');
  return [`| ${headers.map(esc).join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

module.exports = { quantile, stats, median, fmtUs, fmtX, fmtMB, table, mdTable, sleep };
