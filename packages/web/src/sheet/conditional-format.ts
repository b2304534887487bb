/**
 * Conditional formatting of the data sheet: Univer's own rules (value rules, colour scales) stated
 * over a column's data rows. The sheet re-states them whenever its row count changes; a colour
 * scale carries its ends (the column's MIN and MAX over the whole table, asked from the server).
 */
import type { CFValueType } from '@univerjs/sheets-conditional-formatting';
import type { SheetColumn } from '../formula/compile.ts';
import { isNumericType } from './cell-values.ts';
import type { FilterOp } from './table-sheet.ts';
import type { UniverAPI } from './univer.ts';

export type ConditionalFormat =
  | { kind: 'value'; column: string; op: FilterOp; value: string; color: string }
  | { kind: 'scale'; column: string; minColor: string; maxColor: string; min?: number; max?: number };

const CF_NUM = 'num' as CFValueType;

type Worksheet = ReturnType<NonNullable<ReturnType<UniverAPI['getActiveWorkbook']>>['getActiveSheet']>;

/** (Re)states every rule over rows 0..rowCount-1 of its column. */
export function applyConditionalFormats(ws: Worksheet, columns: readonly SheetColumn[], rowCount: number, formats: readonly ConditionalFormat[]): void {
  ws.clearConditionalFormatRules();
  if (rowCount === 0) return;
  for (const f of formats) {
    const col = columns.findIndex((c) => c.name === f.column);
    if (col < 0) continue;
    const range = { startRow: 0, endRow: rowCount - 1, startColumn: col, endColumn: col };
    const builder = ws.newConditionalFormattingRule();
    if (f.kind === 'scale') {
      ws.addConditionalFormattingRule(builder.setColorScale([
        { index: 0, color: f.minColor, value: { type: CF_NUM, value: f.min ?? 0 } },
        { index: 1, color: f.maxColor, value: { type: CF_NUM, value: f.max ?? 0 } },
      ]).setRanges([range]).build());
      continue;
    }
    const n = Number(f.value);
    const numeric = isNumericType(columns[col]!.type) && f.value.trim() !== '' && Number.isFinite(n);
    const rule = numeric
      ? ({ '>': () => builder.whenNumberGreaterThan(n), '>=': () => builder.whenNumberGreaterThanOrEqualTo(n), '<': () => builder.whenNumberLessThan(n), '<=': () => builder.whenNumberLessThanOrEqualTo(n), '=': () => builder.whenNumberEqualTo(n), '<>': () => builder.whenNumberNotEqualTo(n), contains: () => builder.whenTextContains(f.value) })[f.op]()
      : f.op === 'contains' ? builder.whenTextContains(f.value) : builder.whenTextEqualTo(f.value);
    ws.addConditionalFormattingRule(rule.setBackground(f.color).setRanges([range]).build());
  }
}
