/**
 * The Univer OSS spreadsheet (pinned 0.25.1): core, render, formula engine, sheets, sheets UI,
 * formulas (+ the formula editor's UI) and number formats at once; conditional formatting after
 * the first screen (univer-extras.ts, a chunk of its own: `extras()`). Pivots are a Pro package
 * in Univer: k3 computes them in DuckDB instead (table-sheet.ts). Returns the Facade API.
 */
import { LocaleType, mergeLocales, Univer, UniverInstanceType } from '@univerjs/core';
import { FUniver } from '@univerjs/core/facade';
import { defaultTheme } from '@univerjs/themes';
import { UniverRenderEnginePlugin } from '@univerjs/engine-render';
import { UniverFormulaEnginePlugin } from '@univerjs/engine-formula';
import { UniverUIPlugin } from '@univerjs/ui';
import { UniverDocsPlugin } from '@univerjs/docs';
import { UniverDocsUIPlugin } from '@univerjs/docs-ui';
import { UniverSheetsPlugin } from '@univerjs/sheets';
import { UniverSheetsUIPlugin } from '@univerjs/sheets-ui';
import { UniverSheetsFormulaPlugin } from '@univerjs/sheets-formula';
import { UniverSheetsFormulaUIPlugin } from '@univerjs/sheets-formula-ui';
import { UniverSheetsNumfmtPlugin } from '@univerjs/sheets-numfmt';
import DesignEnUS from '@univerjs/design/locale/en-US';
import UIEnUS from '@univerjs/ui/locale/en-US';
import DocsUIEnUS from '@univerjs/docs-ui/locale/en-US';
import SheetsEnUS from '@univerjs/sheets/locale/en-US';
import SheetsUIEnUS from '@univerjs/sheets-ui/locale/en-US';
import SheetsFormulaUIEnUS from '@univerjs/sheets-formula-ui/locale/en-US';
import SheetsCfUIEnUS from '@univerjs/sheets-conditional-formatting-ui/locale/en-US';
import type * as ExtrasModule from './univer-extras.ts';
import '@univerjs/engine-formula/facade';
import '@univerjs/ui/facade';
import '@univerjs/docs-ui/facade';
import '@univerjs/sheets/facade';
import '@univerjs/sheets-ui/facade';
import '@univerjs/sheets-formula/facade';
import '@univerjs/sheets-numfmt/facade';
import '@univerjs/design/lib/index.css';
import '@univerjs/ui/lib/index.css';
import '@univerjs/docs-ui/lib/index.css';
import '@univerjs/sheets-ui/lib/index.css';
import '@univerjs/sheets-formula-ui/lib/index.css';

export type UniverAPI = ReturnType<typeof FUniver.newAPI>;

/**
 * Univer's operation that sets a sheet's selection: a click, the keyboard, the API and the sheet's
 * first render (its top-left cell) all run it through the one command service.
 */
export const SET_SELECTIONS = 'sheet.operation.set-selections';
export type Extras = typeof ExtrasModule;

export interface SheetUniver {
  univer: Univer;
  api: UniverAPI;
  /** Loads and registers the plugins the first screen does not need (once); resolves with their module. */
  extras(): Promise<Extras>;
}

export function createSheetUniver(container: HTMLElement): SheetUniver {
  const univer = new Univer({
    theme: defaultTheme,
    locale: LocaleType.EN_US,
    locales: { [LocaleType.EN_US]: mergeLocales(DesignEnUS, UIEnUS, DocsUIEnUS, SheetsEnUS, SheetsUIEnUS, SheetsFormulaUIEnUS, SheetsCfUIEnUS) },
  });
  univer.registerPlugin(UniverRenderEnginePlugin);
  univer.registerPlugin(UniverFormulaEnginePlugin);
  univer.registerPlugin(UniverUIPlugin, { container, header: true, toolbar: true, footer: true, contextMenu: true });
  univer.registerPlugin(UniverDocsPlugin);
  univer.registerPlugin(UniverDocsUIPlugin);
  univer.registerPlugin(UniverSheetsPlugin);
  univer.registerPlugin(UniverSheetsUIPlugin, { formulaBar: false }); // ours is real DOM (main.ts)
  univer.registerPlugin(UniverSheetsFormulaPlugin);
  univer.registerPlugin(UniverSheetsFormulaUIPlugin);
  univer.registerPlugin(UniverSheetsNumfmtPlugin);
  void UniverInstanceType;
  let loaded: Promise<Extras> | undefined;
  const extras = (): Promise<Extras> => (loaded ??= import('./univer-extras.ts').then((m) => { m.registerExtras(univer); return m; }));
  return { univer, api: FUniver.newAPI(univer), extras };
}
