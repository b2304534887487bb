export { K3Client, K3Error, Tables, freshnessOf, type CallOptions, type ExecuteResult, type FreshnessName, type K3ClientOptions, type Predicate, type QueryOptions, type QueryResult, type Row, type SelectOptions, type ChangesOptions, type ChangesPage } from './k3-client.ts';
export { decoderFor, encodeValue } from './values.ts';
export { encodeRows, rowValueEncoderFor, type RowValueEncoder } from './row-encoding.ts';
