export { CONFIG_KEYS, loadConfig, type Config } from './schema.ts';
export { parseBytes, parseDurationMs } from './units.ts';
