/** Number formats for labels, tooltips and aria-labels (the same conventions as the tree views). */

/** Four significant digits, exponent form for very small or large values, "—" for missing. */
export function formatMetric(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value === 0) return '0';
  // U+2212: screen readers say "minus" for it, and it lines up with "+" in tables.
  const sign = value < 0 ? '−' : '';
  const magnitude = Math.abs(value);
  if (magnitude < 1e-3 || magnitude >= 1e5) return sign + magnitude.toExponential(2);
  return sign + Number(magnitude.toPrecision(4)).toString();
}

export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${(value * 100).toFixed(1)}%`;
}

/** Signed, for differences: "+0.61", "−0.02". */
export function formatSigned(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value >= 0 ? `+${formatMetric(value)}` : formatMetric(value);
}

// One formatter for all counts: `toLocaleString` builds a new one per call (tens of microseconds each).
const countFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatCount(value: number): string {
  return countFormat.format(value);
}

/** "a, b and c"; beyond `limit` names: "a, b, c and 7 more". */
export function listNames(names: readonly string[], limit = 5): string {
  if (names.length === 0) return '';
  if (names.length > limit) return `${names.slice(0, limit).join(', ')} and ${names.length - limit} more`;
  if (names.length === 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
}
