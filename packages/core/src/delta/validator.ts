/**
 * Protocol validator for commit files (used by tests and by anyone debugging a log): checks one
 * commit's bytes against the Delta protocol's required actions and field types, and returns every
 * problem found (empty list = valid). Checks: one JSON object with exactly one action key per line;
 * commitInfo present and first; add / remove / metaData / protocol / txn required fields and types;
 * add.stats parses as JSON with an integer numRecords; no two actions in one commit that reconcile
 * with each other (same path twice, two metaData, two protocol, one appId twice); version 0 carries
 * protocol and metaData; partitionValues keys equal the table's partition columns when known.
 */
const isInt = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

export interface ValidateOptions {
  /** Partition columns of the table at this version; when given, partitionValues keys must match. */
  partitionColumns?: readonly string[];
}

export function validateCommit(body: Uint8Array | string, version: number, opts: ValidateOptions = {}): string[] {
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  const issues: string[] = [];
  const seen = { add: new Set<string>(), remove: new Set<string>(), appIds: new Set<string>(), metaData: 0, protocol: 0 };
  let partitionColumns = opts.partitionColumns;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, i) => {
    const at = `line ${i + 1}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      issues.push(`${at}: not JSON`);
      return;
    }
    if (!isObj(parsed)) return void issues.push(`${at}: not a JSON object`);
    const keys = Object.keys(parsed);
    if (keys.length !== 1) return void issues.push(`${at}: expected exactly one action, found keys [${keys.join(', ')}]`);
    const kind = keys[0] ?? '';
    const a = parsed[kind];
    if (!isObj(a)) return void issues.push(`${at}: ${kind} is not an object`);
    if (kind === 'commitInfo' && i !== 0) issues.push(`${at}: commitInfo must be the first action`);
    if (kind === 'add') checkAdd(a, at, issues, seen.add, partitionColumns);
    else if (kind === 'remove') checkRemove(a, at, issues, seen.remove);
    else if (kind === 'metaData') {
      seen.metaData++;
      partitionColumns = checkMetaData(a, at, issues) ?? partitionColumns;
    } else if (kind === 'protocol') {
      seen.protocol++;
      if (!isInt(a.minReaderVersion) || (a.minReaderVersion as number) < 1) issues.push(`${at}: protocol.minReaderVersion must be a positive integer`);
      if (!isInt(a.minWriterVersion) || (a.minWriterVersion as number) < 1) issues.push(`${at}: protocol.minWriterVersion must be a positive integer`);
    } else if (kind === 'txn') {
      if (!isStr(a.appId)) issues.push(`${at}: txn.appId must be a string`);
      else if (seen.appIds.has(a.appId)) issues.push(`${at}: two txn actions for appId ${a.appId}`);
      else seen.appIds.add(a.appId);
      if (!isInt(a.version)) issues.push(`${at}: txn.version must be an integer`);
    } else if (kind === 'cdc') {
      if (!isStr(a.path) || a.path === '') issues.push(`${at}: cdc.path must be a non-empty string`);
      if (!isInt(a.size)) issues.push(`${at}: cdc.size must be an integer`);
      if (a.dataChange !== false) issues.push(`${at}: cdc.dataChange must be false`);
      if (!isObj(a.partitionValues)) issues.push(`${at}: cdc.partitionValues must be an object`);
    } else if (kind === 'commitInfo') {
      if (a.timestamp !== undefined && !isInt(a.timestamp)) issues.push(`${at}: commitInfo.timestamp must be an integer`);
    }
  });
  if (lines.length === 0) issues.push('the commit is empty');
  else if (!lines[0]?.startsWith('{"commitInfo"')) issues.push('commitInfo is missing or not first');
  if (seen.metaData > 1) issues.push('more than one metaData action');
  if (seen.protocol > 1) issues.push('more than one protocol action');
  if (version === 0 && (seen.metaData === 0 || seen.protocol === 0)) issues.push('version 0 must contain protocol and metaData');
  for (const path of seen.add) if (seen.remove.has(path)) issues.push(`path ${path} is both added and removed`);
  return issues;
}

function checkPartitionValues(pv: unknown, at: string, issues: string[], columns: readonly string[] | undefined, required: boolean): void {
  if (pv === undefined || pv === null) {
    if (required) issues.push(`${at}: partitionValues is required`);
    return;
  }
  if (!isObj(pv)) return void issues.push(`${at}: partitionValues must be a map`);
  for (const [k, v] of Object.entries(pv)) if (v !== null && !isStr(v)) issues.push(`${at}: partitionValues.${k} must be a string or null`);
  if (columns !== undefined) {
    const keys = Object.keys(pv).sort().join(',');
    if (keys !== [...columns].sort().join(',')) issues.push(`${at}: partitionValues keys [${keys}] differ from partition columns [${columns.join(',')}]`);
  }
}

function checkAdd(a: Record<string, unknown>, at: string, issues: string[], paths: Set<string>, columns: readonly string[] | undefined): void {
  if (!isStr(a.path) || a.path === '') issues.push(`${at}: add.path must be a non-empty string`);
  else if (paths.has(a.path)) issues.push(`${at}: path ${a.path} added twice`);
  else paths.add(a.path);
  checkPartitionValues(a.partitionValues, `${at} add`, issues, columns, true);
  if (!isInt(a.size) || (a.size as number) < 0) issues.push(`${at}: add.size must be a non-negative integer`);
  if (!isInt(a.modificationTime)) issues.push(`${at}: add.modificationTime must be an integer`);
  if (typeof a.dataChange !== 'boolean') issues.push(`${at}: add.dataChange must be a boolean`);
  if (a.stats !== undefined && a.stats !== null) {
    if (!isStr(a.stats)) return void issues.push(`${at}: add.stats must be a JSON string`);
    try {
      const stats: unknown = JSON.parse(a.stats);
      if (!isObj(stats) || !isInt(stats.numRecords)) issues.push(`${at}: add.stats must hold an integer numRecords`);
      for (const key of ['minValues', 'maxValues', 'nullCount']) {
        if (isObj(stats) && stats[key] !== undefined && !isObj(stats[key])) issues.push(`${at}: add.stats.${key} must be an object`);
      }
    } catch {
      issues.push(`${at}: add.stats is not valid JSON`);
    }
  }
}

function checkRemove(a: Record<string, unknown>, at: string, issues: string[], paths: Set<string>): void {
  if (!isStr(a.path) || a.path === '') issues.push(`${at}: remove.path must be a non-empty string`);
  else if (paths.has(a.path)) issues.push(`${at}: path ${a.path} removed twice`);
  else paths.add(a.path);
  if (!isInt(a.deletionTimestamp)) issues.push(`${at}: remove.deletionTimestamp must be an integer`);
  if (typeof a.dataChange !== 'boolean') issues.push(`${at}: remove.dataChange must be a boolean`);
  if (a.extendedFileMetadata === true) {
    checkPartitionValues(a.partitionValues, `${at} remove`, issues, undefined, true);
    if (!isInt(a.size)) issues.push(`${at}: remove.size must be an integer when extendedFileMetadata is true`);
  }
}

function checkMetaData(a: Record<string, unknown>, at: string, issues: string[]): string[] | undefined {
  if (!isStr(a.id) || a.id === '') issues.push(`${at}: metaData.id must be a non-empty string`);
  if (!isObj(a.format) || !isStr(a.format.provider) || !isObj(a.format.options)) issues.push(`${at}: metaData.format must be {provider, options}`);
  if (!isObj(a.configuration) || Object.values(a.configuration).some((v) => !isStr(v))) issues.push(`${at}: metaData.configuration must be a map of strings`);
  if (a.createdTime !== undefined && a.createdTime !== null && !isInt(a.createdTime)) issues.push(`${at}: metaData.createdTime must be an integer`);
  let fieldNames: string[] = [];
  try {
    const schema: unknown = isStr(a.schemaString) ? JSON.parse(a.schemaString) : undefined;
    if (!isObj(schema) || schema.type !== 'struct' || !Array.isArray(schema.fields)) throw new Error('not a struct');
    fieldNames = schema.fields.map((f: unknown) => (isObj(f) && isStr(f.name) ? f.name : ''));
  } catch {
    issues.push(`${at}: metaData.schemaString must be a JSON struct type`);
  }
  if (!Array.isArray(a.partitionColumns) || a.partitionColumns.some((c) => !isStr(c))) {
    issues.push(`${at}: metaData.partitionColumns must be an array of strings`);
    return undefined;
  }
  const cols = a.partitionColumns as string[];
  for (const c of cols) if (!fieldNames.includes(c)) issues.push(`${at}: partition column ${c} is not in the schema`);
  return cols;
}
