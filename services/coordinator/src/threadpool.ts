/**
 * Imported first by main.ts, before anything can queue work on libuv's thread pool: DuckDB's Node
 * binding runs every statement on that pool (default 4 threads), so with the default size a few
 * long statements would hold up every other request, whatever the per-principal limit says.
 * An explicit UV_THREADPOOL_SIZE from the environment wins. (The one write to process.env: libuv
 * reads this variable itself, before loadConfig could pass it anywhere.)
 */
// eslint-disable-next-line no-restricted-properties -- libuv reads UV_THREADPOOL_SIZE itself, not through loadConfig
process.env['UV_THREADPOOL_SIZE'] ??= '16';
