/**
 * The layering rules of the source tree, checked on every run: no runtime import cycles (type-only
 * imports are erased by the compiler, so they are allowed), engine folders import only downward, the
 * engine never imports `vscode` or the extension, and the webview imports the shared contract by type only.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');

/** Bottom to top; a folder may import its own rank or lower. */
const ENGINE_RANKS: Record<string, number> = {
  'errors.ts': 0,
  'random.ts': 0,
  'backend.ts': 0,
  kernels: 0,
  simd: 0,
  'engineVersions.ts': 0,
  data: 1,
  model: 1,
  run: 2,
  train: 3,
  explain: 4,
  pipeline: 5,
  trust: 6,
  server: 7,
  cli: 7,
  'main.ts': 8,
};

interface Edge {
  from: string;
  to: string;
  runtime: boolean;
}

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

function resolveImport(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(candidate)) return candidate;
  return null;
}

/** Every import of a file, with whether it survives compilation (not `import type`, not all `type` names). */
function importsOf(file: string): { spec: string; runtime: boolean }[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: { spec: string; runtime: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      let runtime = true;
      if (ts.isImportDeclaration(node)) {
        const clause = node.importClause;
        if (clause?.isTypeOnly) runtime = false;
        else if (clause && !clause.name && clause.namedBindings && ts.isNamedImports(clause.namedBindings)) {
          const names = clause.namedBindings.elements;
          if (names.length > 0 && names.every((n) => n.isTypeOnly)) runtime = false;
        }
      } else if (node.isTypeOnly) runtime = false;
      found.push({ spec: node.moduleSpecifier.text, runtime });
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteral(arg)) found.push({ spec: arg.text, runtime: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function edges(): Edge[] {
  const files = [...sourceFiles(path.join(ROOT, 'src')), ...sourceFiles(path.join(ROOT, 'webview'))];
  const out: Edge[] = [];
  for (const file of files) {
    for (const { spec, runtime } of importsOf(file)) {
      const target = resolveImport(file, spec);
      out.push({ from: path.relative(ROOT, file), to: target ? path.relative(ROOT, target) : spec, runtime });
    }
  }
  return out;
}

const all = edges();

test('no runtime import cycles in src/ and webview/', () => {
  const graph = new Map<string, string[]>();
  for (const e of all) if (e.runtime && e.to.endsWith('.ts')) graph.set(e.from, [...(graph.get(e.from) ?? []), e.to]);
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const walk = (node: string, trail: string[]): void => {
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'open') {
      cycles.push([...trail.slice(trail.indexOf(node)), node].join(' → '));
      return;
    }
    state.set(node, 'open');
    for (const next of graph.get(node) ?? []) walk(next, [...trail, node]);
    state.set(node, 'done');
  };
  for (const node of graph.keys()) walk(node, []);
  assert.deepEqual(cycles, []);
});

test('engine folders import only the same or a lower layer', () => {
  const rankOf = (file: string): number | undefined => {
    const rest = path.relative(path.join('src', 'engine'), file);
    if (rest.startsWith('..')) return undefined;
    return ENGINE_RANKS[rest.split(path.sep)[0]];
  };
  const upward: string[] = [];
  const unranked = new Set<string>();
  for (const e of all) {
    const from = rankOf(e.from);
    if (from === undefined) {
      if (e.from.startsWith('src/engine/')) unranked.add(e.from);
      continue;
    }
    const to = rankOf(e.to);
    if (to !== undefined && to > from) upward.push(`${e.from} → ${e.to}${e.runtime ? '' : ' (type)'}`);
  }
  assert.deepEqual([...unranked], [], 'every engine folder has a rank in ENGINE_RANKS');
  assert.deepEqual(upward, []);
});

test('the engine imports neither vscode nor the extension; the extension and webview never import the engine', () => {
  const wrong = all.filter(
    (e) =>
      (e.from.startsWith('src/engine/') && (e.to === 'vscode' || e.to.startsWith('src/extension/') || e.to.startsWith('webview/'))) ||
      ((e.from.startsWith('src/extension/') || e.from.startsWith('webview/')) && e.to.startsWith('src/engine/')),
  );
  assert.deepEqual(
    wrong.map((e) => `${e.from} → ${e.to}`),
    [],
  );
});

/** Modules that import nothing, which the browser bundle may take as values. */
const WEBVIEW_RUNTIME_IMPORTS = new Set([
  'src/protocol/limits.ts',
  'src/shared/probabilityText.ts',
  'src/shared/numberText.ts',
  'src/shared/reportMarkup.ts',
  'src/shared/pixelValues.ts',
]);

test('the webview takes the shared contract by type only, but for its limits, the number and probability formats, the report markup rules and pixel reading (no zod, jsonrpc or node code in the browser bundle)', () => {
  const wrong = all.filter(
    (e) => e.from.startsWith('webview/') && e.runtime && e.to.startsWith('src/') && !WEBVIEW_RUNTIME_IMPORTS.has(e.to),
  );
  assert.deepEqual(
    wrong.map((e) => `${e.from} → ${e.to}`),
    [],
  );
});
