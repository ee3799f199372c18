import { defineConfig } from 'vite';
import { resolve } from 'node:path';

// Two entries: the app (index.html) and the embeddable web component (embed.js, a stable name a
// brand's shop page can point at). ORFEVRE_WEB_OUT is set by the server crate's build script.
export default defineConfig({
  build: {
    outDir: process.env.ORFEVRE_WEB_OUT ?? 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The 3D viewer (three.js, ~190 KB gzipped) is its own chunk, loaded only on ring pages.
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      input: {
        main: resolve(__dirname, 'index.html'),
        'embed-demo': resolve(__dirname, 'embed-demo.html'),
        embed: resolve(__dirname, 'src/embed.ts'),
      },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'embed' ? 'embed.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
