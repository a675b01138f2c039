import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SuspectRow } from '../../src/protocol';
import {
  DEFAULT_MARKER_SETTING,
  markerCount,
  MIN_MARKERS,
  plainText,
  rowKey,
  selectMarkerRows,
  suspectDescription,
  suspectMessage,
} from '../../src/extension/trust/suspectMarkers';
import { probabilityClause, probabilityText } from '../../src/shared/probabilityText';
import { isFromWebview } from '../../src/extension/webview/webviewMessages';
import { LIMITS } from '../../src/protocol/limits';

const MAX_VERIFY_K = LIMITS.verifyK.max;

function row(rank: number, extra: Partial<SuspectRow> = {}): SuspectRow {
  return {
    rank,
    index: rank * 3,
    file: 'iris.csv',
    line: rank + 10,
    label: 'versicolor',
    score: 10 / rank,
    predicted: 'virginica',
    labelProbability: 0.03,
    suggestedLabel: null,
    suggestedProbability: null,
    ...extra,
  };
}

describe('markerCount', () => {
  it('reads a share below 1, with a floor of 5 rows', () => {
    assert.equal(markerCount(0.02, 455), 10); // ceil(9.1)
    assert.equal(markerCount(0.02, 120), MIN_MARKERS);
    assert.equal(markerCount(0.5, 3), 3, 'never more than the rows there are');
  });
  it('reads 1 or more as a count and 0 as off', () => {
    assert.equal(markerCount(7, 455), 7);
    assert.equal(markerCount(7.9, 455), 7);
    assert.equal(markerCount(1000, 455), 455);
    assert.equal(markerCount(0, 455), 0);
  });
  it('falls back to the default for nonsense', () => {
    const expected = markerCount(DEFAULT_MARKER_SETTING, 1000);
    assert.equal(expected, 20);
    for (const bad of [undefined, null, -3, Number.NaN, Number.POSITIVE_INFINITY, '12', {}])
      assert.equal(markerCount(bad, 1000), expected, String(bad));
  });
});

describe('selectMarkerRows', () => {
  it('keeps the best ranks, whatever order they arrive in', () => {
    const rows = [row(4), row(1), row(3), row(2), row(5)];
    assert.deepEqual(
      selectMarkerRows(rows, 3).map((r) => r.rank),
      [1, 2, 3],
    );
    assert.deepEqual(selectMarkerRows(rows, 0), []);
    assert.equal(selectMarkerRows(rows, 99).length, 5);
  });
  it('marks a CSV line once (the better rank wins)', () => {
    const rows = [row(1, { line: 40 }), row(2, { line: 40 }), row(3, { line: 41 }), row(4, { line: 40, file: 'other.csv' })];
    const chosen = selectMarkerRows(rows, 3);
    assert.deepEqual(
      chosen.map((r) => r.rank),
      [1, 3, 4],
    );
  });
});

describe('suspectMessage', () => {
  it('says why, with the probability, the prediction and the rank', () => {
    const message = suspectMessage(row(2, { label: 'x', labelProbability: 0.031, predicted: 'y' }), 455);
    assert.equal(
      message,
      "label 'x' is suspicious: the model gives it p = 0.031 (it predicts 'y') and it pulled its own prediction hard along training (self-influence rank 2 of 455)",
    );
  });
  it('does not claim a disagreement when the model agrees', () => {
    const message = suspectMessage(row(5, { label: 'setosa', predicted: 'setosa', labelProbability: 0.62 }), 120);
    assert.match(message, /gives it p = 0\.620 and it pulled/);
    assert.doesNotMatch(message, /predicts/);
    assert.match(message, /rank 5 of 120\)$/);
  });
  it('says what the rest of the data votes for when the run has leave-self-out predictions', () => {
    const flipped = row(2, {
      label: 'boot',
      predicted: 'boot',
      labelProbability: 0.99,
      suggestedLabel: 'sandal',
      suggestedProbability: 0.93,
    });
    assert.equal(
      suspectMessage(flipped, 455),
      "label 'boot' is suspicious: the rest of the data says 'sandal' (0.930); the trained model gives 'boot' p = 0.990 (rank 2 of 455)",
    );
    assert.equal(suspectDescription({ ...flipped, score: 0.9071 }), 'labelled boot, the rest says sandal (0.930) · score 0.907');
    const agreed = row(9, { label: 'setosa', suggestedLabel: 'setosa', suggestedProbability: 0.71 });
    assert.match(suspectMessage(agreed, 120), /the rest of the data agrees with it \(0\.710\)/);
    assert.match(suspectDescription(agreed), /^labelled setosa, the rest agrees \(0\.710\)/);
    const hostile = suspectMessage(row(1, { suggestedLabel: 'a\nb\u202e', suggestedProbability: 0.5 }), 10);
    assert.doesNotMatch(hostile, /[\n\u202e]/);
  });
  it('speaks of the predicted value for regression', () => {
    const message = suspectMessage(row(1, { label: '310', predicted: '151.23456', labelProbability: null }), 353);
    assert.equal(
      message,
      "target '310' is suspicious: the model predicts 151.2 for this row and it pulled its own prediction hard along training (self-influence rank 1 of 353)",
    );
  });
  it('flattens hostile labels to one bounded line of plain text', () => {
    const hostile = 'a\nb\r\n\u0000[x](command:workbench.action.quit)\u202e<img src=x onerror=alert(1)>' + 'z'.repeat(200);
    const message = suspectMessage(row(1, { label: hostile, predicted: 'p\nq' }), 10);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(message, /[\n\r\u0000\u202e]/);
    assert.ok(message.includes("label 'a b [x](command:workbench.action.quit) <img src=x"), message);
    assert.ok(message.includes('…'), 'long labels are cut');
    assert.ok(message.includes("(it predicts 'p q')"));
    assert.ok(message.endsWith('(self-influence rank 1 of 10)'), 'the reason is never pushed out');
    assert.ok(plainText(hostile).length <= 60);
  });
  it('describes a tree row in one line', () => {
    assert.equal(suspectDescription(row(1, { score: 8.9163 })), 'versicolor → virginica · p = 0.030 · score 8.92');
    assert.equal(suspectDescription(row(1, { labelProbability: null, predicted: '3', label: '4', score: 2 })), '4 → 3 · score 2.00');
  });
});

describe('verify message from the webview', () => {
  it('accepts a whole k in range and nothing else', () => {
    assert.ok(isFromWebview({ type: 'verify', k: 10 }));
    assert.ok(isFromWebview({ type: 'verify', k: 0 }));
    assert.ok(isFromWebview({ type: 'verify', k: MAX_VERIFY_K }));
    for (const k of [-1, 2.5, MAX_VERIFY_K + 1, '10', null, undefined])
      assert.equal(isFromWebview({ type: 'verify', k }), false, String(k));
  });
});

describe('selectMarkerRows with suggested labels and ignored rows', () => {
  it('marks only rows whose suggestion differs from their label, and none the user ignored', () => {
    const rows = [
      row(1, { suggestedLabel: 'versicolor', suggestedProbability: 0.9 }), // agrees with its label
      row(2, { suggestedLabel: 'setosa', suggestedProbability: 0.8 }),
      row(3, { suggestedLabel: 'virginica', suggestedProbability: 0.7 }),
      row(4, { suggestedLabel: 'setosa', suggestedProbability: 0.6 }),
      row(5), // past the suggested rows: no reason given, not marked
    ];
    assert.deepEqual(
      selectMarkerRows(rows, 5).map((r) => r.rank),
      [2, 3, 4],
    );
    assert.deepEqual(
      selectMarkerRows(rows, 2).map((r) => r.rank),
      [2, 3],
    );
    const ignored = new Set([rowKey(rows[2])]);
    assert.deepEqual(
      selectMarkerRows(rows, 5, ignored).map((r) => r.rank),
      [2, 4],
    );
  });
});

describe('probabilityText', () => {
  it('writes three decimals, and never 1 or 0 for a probability that is not', () => {
    assert.equal(probabilityText(0.94612), '0.946');
    assert.equal(probabilityText(0.99971), '> 0.999');
    assert.equal(probabilityText(1), '1.000');
    assert.equal(probabilityText(0.0002), '< 0.001');
    assert.equal(probabilityClause(0.99971), 'p > 0.999');
    assert.equal(probabilityClause(0.5), 'p = 0.500');
  });
});
