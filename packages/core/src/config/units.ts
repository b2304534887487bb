/**
 * Human units for configuration: durations (`250ms`, `30s`, `5m`, `2h`, `7d`) and byte sizes
 * (`64MiB`, `1GiB`, `500KB`, `1048576`). Plain numbers are milliseconds / bytes.
 */
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
};

function parseUnit(text: string, units: Record<string, number>, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) throw new Error(`not a ${what}: "${text}"`);
  const unit = (m[2] ?? '').toLowerCase();
  const factor = unit === '' ? 1 : units[unit];
  if (factor === undefined) throw new Error(`unknown ${what} unit "${m[2]}" in "${text}" (use ${Object.keys(units).join(', ')})`);
  return Math.round(Number(m[1]) * factor);
}

export function parseDurationMs(text: string): number {
  return parseUnit(text, DURATION_UNITS, 'duration');
}

export function parseBytes(text: string): number {
  return parseUnit(text, SIZE_UNITS, 'size');
}
