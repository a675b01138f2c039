import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { experimentSchema } from '../../src/engine/data/experimentSchema';

const repo = join(__dirname, '..', '..');
// The walkthrough's media column is narrow: wider code lines get a horizontal scroll bar there.
const WALKTHROUGH_CODE_WIDTH = 48;

interface WalkthroughStep {
  media: { markdown?: string };
}
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  contributes: { walkthroughs: { steps: WalkthroughStep[] }[] };
};
const pages = manifest.contributes.walkthroughs.flatMap((w) => w.steps.flatMap((s) => (s.media.markdown ? [s.media.markdown] : [])));

function codeBlocks(markdown: string): { language: string; lines: string[] }[] {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```/gm)].map((m) => ({ language: m[1], lines: m[2].split('\n').slice(0, -1) }));
}

test('every walkthrough page exists and its code fits the walkthrough column', () => {
  assert.ok(pages.length >= 4);
  for (const page of pages) {
    for (const block of codeBlocks(readFileSync(join(repo, page), 'utf8'))) {
      for (const line of block.lines) assert.ok(line.length <= WALKTHROUGH_CODE_WIDTH, `${page}: ${line.length} characters: ${line}`);
    }
  }
});

test("the walkthrough's experiment file sample is a valid experiment", () => {
  const blocks = pages.flatMap((page) => codeBlocks(readFileSync(join(repo, page), 'utf8')).filter((b) => b.language === 'json'));
  assert.ok(blocks.length >= 1);
  for (const block of blocks) experimentSchema.parse(JSON.parse(block.lines.join('\n')));
});
