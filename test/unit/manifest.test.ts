import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const repo = join(__dirname, '..', '..');
interface Manifest {
  contributes: {
    commands: { command: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    viewsWelcome: { contents: string }[];
  };
}
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as Manifest;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = join(dir, name);
    return statSync(file).isDirectory() ? sources(file) : file.endsWith('.ts') ? [file] : [];
  });
}

test('every menu entry names a declared command', () => {
  const declared = new Set(manifest.contributes.commands.map((c) => c.command));
  for (const [menu, entries] of Object.entries(manifest.contributes.menus))
    for (const entry of entries) assert.ok(declared.has(entry.command), `${menu}: ${entry.command}`);
});

test('every kernelLens.* context key a when clause reads is set by the extension', () => {
  const text = sources(join(repo, 'src', 'extension'))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const keys = new Set(
    Object.values(manifest.contributes.menus)
      .flat()
      .flatMap((e) => e.when?.match(/kernelLens\.[\w.]+/g) ?? []),
  );
  assert.ok(keys.size >= 3);
  for (const key of keys) assert.ok(text.includes(`'${key}'`), `${key} is never set`);
});

test("the welcome view's Markdown has no literal backticks (VS Code shows them as typed)", () => {
  for (const view of manifest.contributes.viewsWelcome) assert.ok(!view.contents.includes('`'), view.contents);
});
