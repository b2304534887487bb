/**
 * Univer plugins the first screen does not need, in a chunk of their own that is loaded and
 * registered after the first window is drawn (Univer starts a plugin registered late up to the
 * lifecycle stage the instance is in, and adds its render modules to the sheets already shown):
 * conditional formatting and its UI. (The formula editor's UI stays in the first screen: registered
 * late, Univer's cell editor no longer opened on a key press.)
 */
import type { Univer } from '@univerjs/core';
import { ConditionalFormattingService, UniverSheetsConditionalFormattingPlugin } from '@univerjs/sheets-conditional-formatting';
import { UniverSheetsConditionalFormattingUIPlugin } from '@univerjs/sheets-conditional-formatting-ui';
import '@univerjs/sheets-conditional-formatting/facade';
import '@univerjs/sheets-conditional-formatting-ui/lib/index.css';

export function registerExtras(univer: Univer): void {
  univer.registerPlugin(UniverSheetsConditionalFormattingPlugin);
  univer.registerPlugin(UniverSheetsConditionalFormattingUIPlugin);
}

/**
 * What conditional formatting does to one cell right now (Univer computes it asynchronously;
 * null until it has): the browser tests read the colours from here.
 */
export function conditionalStyleOf(univer: Univer, unitId: string, subUnitId: string, row: number, col: number): unknown {
  return univer.__getInjector().get(ConditionalFormattingService).composeStyle(unitId, subUnitId, row, col);
}
