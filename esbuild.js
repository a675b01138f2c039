// Bundles the extension host code, the engine (child process + CLI) and the webview.
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const dist = path.join(__dirname, 'dist');

/** TensorFlow.js's wasm binaries sit beside dist/engine.js; the engine finds them with setWasmPaths. */
function copyWasmBinaries() {
  const from = path.join(__dirname, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
  fs.mkdirSync(dist, { recursive: true });
  for (const file of fs.readdirSync(from).filter((f) => f.endsWith('.wasm'))) {
    fs.copyFileSync(path.join(from, file), path.join(dist, file));
  }
}

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning' };
// Node bundles: jsonc-parser's `main` is a UMD build whose dynamic requires esbuild cannot follow; take its ES module.
const nodeMainFields = ['module', 'main'];

const builds = [
  {
    ...common,
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    mainFields: nodeMainFields,
    format: 'cjs',
    target: 'node18',
    external: ['vscode'],
  },
  {
    ...common,
    entryPoints: ['src/engine/main.ts'],
    outfile: 'dist/engine.js',
    platform: 'node',
    mainFields: nodeMainFields,
    format: 'cjs',
    target: 'node18',
    // Optional native backend: loaded at run time when installed, never bundled.
    external: ['@tensorflow/tfjs-node'],
  },
  {
    ...common,
    entryPoints: ['src/engine/explain/parallel/explainWorker.ts'],
    outfile: 'dist/explainWorker.js',
    platform: 'node',
    mainFields: nodeMainFields,
    format: 'cjs',
    target: 'node18',
    external: ['@tensorflow/tfjs-node'],
  },
  {
    ...common,
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
].filter((b) => fs.existsSync(b.entryPoints[0]));

async function main() {
  copyWasmBinaries();
  if (watch) {
    for (const b of builds) (await esbuild.context(b)).watch();
    return;
  }
  await Promise.all(builds.map((b) => esbuild.build(b)));
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
