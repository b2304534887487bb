import { defineConfig } from 'vite';

// The coordinator serves dist/ at /ui (services/coordinator/src/routes/ui-routes.ts).
export default defineConfig({
  base: '/ui/',
  root: import.meta.dirname,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 12_000,
    sourcemap: false,
  },
  logLevel: 'warn',
});
