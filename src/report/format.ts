/** How the report writes numbers for people (the CSV and JSON keep them exact). */

/** 0.98765 -> '98.77%'. */
export function percent(fraction: number, digits = 2): string {
  return `${(100 * fraction).toFixed(digits)}%`;
}

/** A sparsity as a pruning level: 0.97 -> '97%', 0.965 -> '96.5%'; null -> '–' (not pruned). */
export function level(sparsity: number | null): string {
  if (sparsity === null) return '–';
  return `${Number((100 * sparsity).toFixed(2))}%`;
}

/** Weight bits; null -> 'fp32'. */
export function bitsLabel(bits: number | null): string {
  return bits === null ? 'fp32' : `${bits}`;
}

/** A difference of two accuracies in percentage points, signed: '+0.05 pp', '-0.32 pp'. */
export function pointsDelta(fraction: number, baseline: number): string {
  const pp = 100 * (fraction - baseline);
  const s = pp.toFixed(2);
  return `${pp >= 0 && !s.startsWith('-') ? '+' : ''}${s === '-0.00' ? '0.00' : s} pp`;
}

/** Bytes in binary units: 812 -> '812 B', 4730 -> '4.62 KiB', 246824 -> '241.0 KiB'. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

/** A compression ratio: 52.34 -> '52.3×'. */
export function ratio(r: number): string {
  return `${r.toFixed(r < 10 ? 2 : 1)}×`;
}

/** Milliseconds with three significant figures at most: 0.0712 -> '0.0712', 12.345 -> '12.3'. */
export function ms(v: number): string {
  return v >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
}

/** Integer with thousands separators: 24310 -> '24,310'. */
export function count(v: number): string {
  return Math.round(v).toLocaleString('en-US');
}

/** Seconds: 1.234 -> '1.2', 42 -> '42.0'. */
export function seconds(v: number): string {
  return v.toFixed(1);
}
