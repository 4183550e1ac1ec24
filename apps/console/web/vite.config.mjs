// The console page's build (tools/bootstrap.sh runs it when a file under apps/console/web changed).
// No plugin: Vite's own transform (oxc) compiles the TSX with React's automatic JSX runtime.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  logLevel: 'warn',
  clearScreen: false,
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../../../dist/apps/console/public', import.meta.url)),
    emptyOutDir: true,
    // One script and one stylesheet, no inline code: the console's CSP allows only 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2022',
  },
});
