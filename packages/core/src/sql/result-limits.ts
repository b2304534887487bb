/** The result limits of the configuration (absent in hand-built test configs: no limit). */
import type { Config } from '../config/index.ts';
import type { ResultLimits } from '../exec/index.ts';

export function resultLimits(config: Partial<Pick<Config, 'K3_RESULT_MAX_ROWS' | 'K3_RESULT_MAX_BYTES'>>): ResultLimits | undefined {
  if (config.K3_RESULT_MAX_ROWS === undefined || config.K3_RESULT_MAX_BYTES === undefined) return undefined;
  return { maxRows: config.K3_RESULT_MAX_ROWS, maxBytes: config.K3_RESULT_MAX_BYTES };
}
