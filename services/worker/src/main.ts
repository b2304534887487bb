/**
 * The worker service's composition root. Not built yet: in embedded mode (`npm start`) the
 * coordinator does this work in-process; the distributed worker needs Redis (K3_REDIS_URL) and
 * arrives with the distributed-query / HTAP issues. Exits 64 (EX_USAGE) so a deployment that
 * starts it by mistake fails loudly instead of idling.
 */
process.stderr.write('k3-worker: not built yet; the distributed worker needs K3_REDIS_URL and is not implemented. Use `npm start` (embedded mode) instead.\n');
process.exit(64);
