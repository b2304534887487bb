/**
 * Cell values: what a pbjson value of a column shows as in the sheet, the number format a column
 * type gets, and what a typed text becomes for the typed write RPCs.
 */

export function isNumericType(t: string): boolean {
  return /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|REAL|DECIMAL)/i.test(t);
}

export function numberFormatOf(type: string): string | undefined {
  const dec = /^DECIMAL\(\d+,\s*(\d+)\)/i.exec(type);
  if (dec) return Number(dec[1]) === 0 ? '#,##0' : `#,##0.${'0'.repeat(Number(dec[1]))}`;
  return undefined;
}

/** A pbjson value → what the sheet shows (numbers as numbers where exact, the rest as text). */
export function display(v: unknown, type: string): string | number {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return typeof v === 'boolean' ? String(v).toUpperCase() : v;
  if (typeof v === 'string') {
    if (isNumericType(type) && /^-?\d+(\.\d+)?$/.test(v)) {
      const n = Number(v);
      return /^DECIMAL/i.test(type) || Number.isSafeInteger(n) ? n : v;
    }
    return v;
  }
  return JSON.stringify(v);
}

/** What the user typed in the "Add row" dialog → the JSON value the Insert RPC takes for the column. */
export function typedValue(text: string, type: string): unknown {
  if (/^BOOL/i.test(type)) return /^(true|1|yes)$/i.test(text);
  if (isNumericType(type) && /^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(text)) {
    // Up to 15 significant digits a double carries exactly; longer (64-bit integers, wide
    // decimals) travel as text and the server casts them to the column's type.
    const digits = text.replace(/e.*$/i, '').replace(/\D/g, '').replace(/^0+/, '').length;
    return digits <= 15 ? Number(text) : text;
  }
  return text;
}
