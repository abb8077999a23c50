import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// Run from the repo root (`vite build --config web/vite.config.ts`), so the root is pinned here.
const root = fileURLToPath(new URL('.', import.meta.url));
const api = 'http://localhost:3000';

export default defineConfig({
  root,
  base: '/',
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    // The dev server serves the UI; everything else goes to the running API (`npm run dev`).
    proxy: {
      '/api': api,
      '/openapi.json': api,
      '/docs': api,
      '/healthz': api,
    },
  },
});
