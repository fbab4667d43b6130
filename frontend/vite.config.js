import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineConfig } from 'vite';

/**
 * serviceWorker writes dist/sw.js from src/sw.js, with this build's version
 * and the app shell it keeps for offline use: index.html (as "/"), every file
 * of the bundle (hashed, under assets/) and the public files. The version is
 * a hash of those names and index.html, so each build's worker differs from
 * the last one's and the browser installs it (and drops the old shell).
 */
function serviceWorker() {
  let outDir = 'dist';
  let publicDir = 'public';
  return {
    name: 'lianxin-service-worker',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
      publicDir = config.publicDir;
    },
    writeBundle(_options, bundle) {
      const files = Object.keys(bundle).filter((f) => f !== 'index.html' && !f.endsWith('.map'));
      let publicFiles = [];
      try {
        publicFiles = readdirSync(publicDir, { recursive: true, withFileTypes: true })
          .filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name).slice(publicDir.length + 1).split('\\').join('/'));
      } catch {
        // no public/
      }
      const shell = ['/', ...[...files, ...publicFiles].sort().map((f) => `/${f}`)];
      const index = readFileSync(join(outDir, 'index.html'));
      const version = createHash('sha256').update(JSON.stringify(shell)).update(index).digest('hex').slice(0, 16);
      const src = readFileSync(new URL('./src/sw.js', import.meta.url), 'utf8');
      writeFileSync(join(outDir, 'sw.js'), src
        .replace('__LIANXIN_BUILD__', version)
        .replace('__LIANXIN_SHELL__', JSON.stringify(shell).replaceAll('\\', '\\\\').replaceAll("'", "\\'")));
    },
  };
}

// The app is served by the Go binary from frontend/dist (go:embed). Hashed
// file names under assets/ let the server cache them for a year; sw.js (see
// serviceWorker) keeps the app shell for a phone without network.
export default defineConfig({
  base: '/',
  plugins: [serviceWorker()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 1500,
    sourcemap: false,
  },
  server: {
    // `npm run dev` against a running `bin/lianxin serve` on :8080.
    proxy: { '/api': 'http://127.0.0.1:8080', '/tiles': 'http://127.0.0.1:8080', '/ogc': 'http://127.0.0.1:8080' },
  },
});
