import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Contribution, Explanation } from '../../src/protocol';
import { commandUri, escapeMarkdown } from '../../src/extension/hover/markdownText';
import { hoverFacts, hoverMarkdown, staleHoverMarkdown } from '../../src/extension/hover/hoverMarkdown';
import { explanationOf } from '../helpers/explanations';
import { contributionsCsv, exportCell } from '../../src/extension/explain/contributionsCsv';
import { isFromWebview } from '../../src/extension/webview/webviewMessages';
import { testSetRow } from '../../src/extension/explain/testSetRows';
import { finalMetricsSummary, runTooltipMarkdown } from '../../src/extension/experiments/tree/runDisplay';

function contribution(index: number, value: number, label = 'setosa', file = 'iris.csv'): Contribution {
  return { index, file, line: index + 2, label, contribution: value, kernel: 0.1, coefficient: value * 10 };
}

function explanation(contributions: Contribution[], extra: Partial<Explanation> = {}): Explanation {
  return {
    run: 'r1',
    split: 'test',
    row: 0,
    file: 'iris.csv',
    line: 9,
    label: 'setosa',
    prediction: { label: 'setosa', probability: 0.971 },
    output: { kind: 'logit', class: 'setosa', units: 'logit' },
    network: 8.7,
    bias: 0.02,
    kernelMachine: 8.69,
    residual: { signed: -6.7e-5, abs: 6.7e-5, rel: 7.7e-6, tolerance: 1e-3, flagged: false },
    backend: 'wasm',
    contributions,
    ...extra,
  };
}

const ctx = {
  run: { name: 'run-1', dir: '/ws/.kernel-lens/runs/iris/r1', experimentFile: '/ws/iris.kernel.json' },
  ref: { split: 'test' as const, row: 0 },
};

/** Markdown links outside code: `[text](target)` not preceded by a backslash. */
function links(markdown: string): string[] {
  return [...markdown.matchAll(/(?<!\\)\[((?:[^\]\\]|\\.)*)\]\(([^)\s]+)/g)].map((m) => m[2]);
}

describe('extension: hover markdown', () => {
  it('escapes every Markdown-significant character and flattens newlines', () => {
    const hostile = '[click](command:workbench.action.terminal.new) <img src=x onerror=alert(1)> **b** `c` https://evil.example\n# h';
    const escaped = escapeMarkdown(hostile);
    assert.ok(!/(?<!\\)[[\]()<>*`#:]/.test(escaped), escaped);
    assert.ok(!escaped.includes('\n'));
    assert.equal(escaped.replace(/\\(.)/g, '$1'), hostile.replace('\n', ' '));
  });

  it('lists three supporters and the strongest opposer, linking only to kernelLens.openRow', () => {
    const md = hoverMarkdown(
      hoverFacts(
        explanation([
          contribution(0, 5),
          contribution(1, -4, 'virginica'),
          contribution(2, 3),
          contribution(3, 2),
          contribution(4, 1),
          contribution(5, -0.5),
        ]),
      ),
      ctx,
    );
    assert.match(md, /Prediction: \*\*setosa \(p \\= 0\\.971\)\*\*/);
    assert.match(md, /True label: \*\*setosa\*\* ✓/);
    assert.match(md, /supporter 1 .*\+5\\\.000/);
    assert.match(md, /supporter 3 .*\+2\\\.000/);
    assert.doesNotMatch(md, /supporter 4/);
    assert.match(md, /strongest opposer .*virginica .*-4\\\.000/);
    assert.match(md, /Residual: /);
    const targets = links(md);
    assert.equal(targets.length, 5, 'four row links and the Explain prediction link');
    for (const target of targets) assert.match(target, /^command:kernelLens\.(openRow|explainPrediction)\?/);
    const first = JSON.parse(decodeURIComponent(targets[0].split('?')[1])) as [{ file: string; line: number }];
    assert.deepEqual(first[0], { file: '/ws/iris.csv', line: 2 });
    const explain = JSON.parse(decodeURIComponent(targets[4].split('?')[1])) as [unknown];
    assert.deepEqual(explain[0], { runDir: '/ws/.kernel-lens/runs/iris/r1', split: 'test', row: 0 });
  });

  it('renders hostile labels and file names as text, never as links or HTML', () => {
    const evilLabel = '[x](command:workbench.action.terminal.new)';
    const evilFile = 'a](command:evil) <script>.csv';
    const md = hoverMarkdown(
      hoverFacts(
        explanation([contribution(0, 2, evilLabel, evilFile), contribution(1, -1, '<img src=x onerror=alert(1)>')], {
          label: '**bold** | pipe',
          prediction: { label: '`code`', probability: 0.5 },
        }),
      ),
      ctx,
    );
    for (const target of links(md)) assert.match(target, /^command:kernelLens\.(openRow|explainPrediction)\?/);
    assert.ok(!/(?<!\\)</.test(md), 'every < is escaped: no raw HTML');
    assert.ok(md.includes('\\<script\\>'));
    assert.ok(md.includes('\\*\\*bold\\*\\* \\| pipe'));
    assert.ok(md.includes('\\`code\\`'));
  });

  it('says when no opposer is among the contributions looked at, and flags a large residual', () => {
    const md = hoverMarkdown(
      hoverFacts(explanation([contribution(0, 1)], { residual: { signed: 0.5, abs: 0.5, rel: 0.1, tolerance: 1e-3, flagged: true } })),
      ctx,
    );
    assert.match(md, /none among the top 1/);
    assert.match(md, /above tolerance/);
  });

  it('shows a regression prediction as a value without a correctness mark', () => {
    const md = hoverMarkdown(hoverFacts(explanation([contribution(0, 1)], { prediction: { value: 151.25 }, label: '140' })), ctx);
    assert.match(md, /Prediction: \*\*151\\\.3\*\*/);
    assert.doesNotMatch(md, /[✓✗]/);
  });

  it('explains staleness instead of pointing at rows', () => {
    const md = staleHoverMarkdown({ name: 'r[1](command:x)' });
    assert.equal(links(md).length, 0);
    assert.match(md, /dataset changed/);
  });

  it('builds command URIs with encoded JSON arguments', () => {
    assert.equal(
      commandUri('kernelLens.openRow', [{ file: '/a b', line: 3 }]),
      `command:kernelLens.openRow?${encodeURIComponent('[{"file":"/a b","line":3}]')}`,
    );
  });
});

describe('extension: exports, webview messages, test set rows, run text', () => {
  it('writes contributions as CSV with quoting and formula neutralising', () => {
    assert.equal(exportCell('a,b'), '"a,b"');
    assert.equal(exportCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(exportCell(-1.5), '-1.5');
    assert.equal(exportCell(null), '');
    const text = contributionsCsv(explanation([contribution(0, 2), contribution(1, -1, 'vir,ginica')]));
    assert.deepEqual(text.trim().split('\n'), [
      'rank,index,file,line,label,contribution,kernel,coefficient',
      '1,0,iris.csv,2,setosa,2,0.1,20',
      '2,1,iris.csv,3,"vir,ginica",-1,0.1,-10',
    ]);
  });

  it('accepts only well-formed webview messages', () => {
    assert.ok(isFromWebview({ type: 'ready' }));
    assert.ok(isFromWebview({ type: 'openRow', file: 'iris.csv', line: 3 }));
    assert.ok(isFromWebview({ type: 'switchOutput', output: { kind: 'class', class: 'setosa' } }));
    assert.ok(isFromWebview({ type: 'requestTrace', indices: [1, 2] }));
    assert.ok(isFromWebview({ type: 'explainRow', split: 'test', row: 4 }));
    assert.equal(isFromWebview({ type: 'openRow', file: 3, line: 3 }), false);
    assert.equal(isFromWebview({ type: 'explainTraining', index: -1 }), false);
    assert.equal(isFromWebview({ type: 'switchOutput', output: { kind: 'class' } }), false);
    assert.equal(isFromWebview({ type: 'requestTrace', indices: ['1'] }), false);
    assert.equal(isFromWebview({ type: 'runShell', command: 'rm' }), false);
    assert.equal(isFromWebview('ready'), false);
  });

  it('turns cached facts into test set rows', () => {
    const facts = hoverFacts(explanation([contribution(0, 1)], { label: 'versicolor' }));
    assert.deepEqual(testSetRow(3, facts), {
      row: 3,
      file: 'iris.csv',
      line: 9,
      label: 'versicolor',
      prediction: 'setosa',
      probability: 0.971,
      correct: false,
      output: 8.7,
      residualRel: 7.7e-6,
      flagged: false,
    });
  });

  it('summarises final metrics and escapes run names in tooltips', () => {
    const metrics = [{ epoch: 10, step: 80, trainLoss: 0.05, testLoss: 0.12, trainAccuracy: 0.98, testAccuracy: 0.933 }];
    assert.equal(finalMetricsSummary({ metrics }), 'test accuracy 93.3%, test loss 0.120');
    const tooltip = runTooltipMarkdown({
      id: 'r',
      dir: '/r',
      experimentFile: '/e.kernel.json',
      name: 'r',
      label: '[evil](command:x)',
      status: 'complete',
      message: null,
      createdAt: '2026-01-01T00:00:00Z',
      finishedAt: null,
      backend: 'cpu',
      task: 'multiclass',
      classes: null,
      steps: 80,
      parameters: 67,
      trainRows: 120,
      testRows: 30,
      metrics,
    });
    assert.equal(links(tooltip).length, 0);
    assert.match(tooltip, /\| accuracy \| 98\.0% \| 93\.3% \|/);
  });
});

it("a pixel CSV row's cells become its thumbnail's pixels (the engine sends pixels for image folders only)", () => {
  const explanation = explanationOf(3, { 10: 0.5 });
  // A 4×4 grid named px_r_c, after the label column and in column-major order: read by name, row-major.
  const names = Array.from({ length: 16 }, (_, k) => `px_${k % 4}_${Math.floor(k / 4)}`);
  const value = (name: string): number => {
    const [, r, c] = name.split('_').map(Number);
    return 10 * r + c;
  };
  explanation.values = [{ name: 'label', value: '7' }, ...names.map((name) => ({ name, value: String(value(name)) }))];
  const image = { width: 4, height: 4, channels: 1 };
  const rowMajor = Array.from({ length: 16 }, (_, k) => 10 * Math.floor(k / 4) + (k % 4));
  assert.deepEqual(hoverFacts(explanation, image).pixels, rowMajor);
  assert.equal(hoverFacts(explanation).pixels, undefined, 'a run without an image shape has none');
  assert.deepEqual(hoverFacts({ ...explanation, pixels: [1, 2] }, image).pixels, [1, 2], "the engine's pixels come first");
});
