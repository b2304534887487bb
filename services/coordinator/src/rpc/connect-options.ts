/**
 * JSON options of every Connect protocol: emit fields with default values too, so Connect JSON
 * answers exactly what REST answers (`"truncated": false`, `"rowsRejected": "0"` as the seeds
 * print them); unknown request fields stay refused.
 */
export const CONNECT_JSON_OPTIONS = { alwaysEmitImplicit: true, ignoreUnknownFields: false } as const;
