/** The training curves view: charts from metrics, live progress, Cancel. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EpochMetrics, RunStatus } from '../../src/protocol';
import { close, fixture, openView, startHarness, type Harness } from './harness';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
});

type TrainingMessage = {
  type: 'training';
  runName: string;
  metrics: EpochMetrics[];
  status: RunStatus;
  message?: string | null;
  classes?: string[] | null;
};

describe('training curves view', () => {
  it('draws loss and accuracy, updates live, and cancels', async () => {
    const view = await openView(harness);
    const training = fixture<TrainingMessage>('iris-training.json');
    await view.send(training);
    assert.equal(await view.page.locator('.training-view svg.kl-plot').count(), 2);
    assert.equal(await view.page.locator('#plot-loss g.series-a[aria-label=line] path').count(), 1, 'train loss line');
    assert.equal(await view.page.locator('#plot-loss g.series-b[aria-label=line] path').count(), 1, 'test loss line');
    assert.equal(await view.page.locator('#plot-metric h3').textContent(), 'Accuracy per epoch');
    assert.equal(await view.page.locator('#plot-loss details table tbody tr').count(), training.metrics.length);
    const before = await view.page.locator('#plot-loss g.series-a[aria-label=line] path').getAttribute('d');

    const next: EpochMetrics = { epoch: 13, step: 52, trainLoss: 0.05, testLoss: 0.08, trainAccuracy: 0.98, testAccuracy: 0.96 };
    await view.send({
      type: 'trainingProgress',
      progress: { runDir: '/r', step: 51, totalSteps: 80, epoch: 13, epochs: 20, loss: 0.0612 },
    });
    await view.send({
      type: 'trainingProgress',
      progress: { runDir: '/r', step: 52, totalSteps: 80, epoch: 13, epochs: 20, loss: 0.0577, metrics: next },
    });
    assert.equal(await view.page.locator('#plot-loss details table tbody tr').count(), training.metrics.length + 1);
    assert.notEqual(await view.page.locator('#plot-loss g.series-a[aria-label=line] path').getAttribute('d'), before, 'the line grew');
    const status = (await view.page.locator('.training-view [role=status]').textContent()) ?? '';
    assert.match(status, /step 52 of 80/);
    assert.match(status, /batch loss 0\.0577/);
    assert.equal(await view.page.locator('progress').evaluate((p) => (p as HTMLProgressElement).value), 52 / 80);
    await view.screenshot('training-dark');

    await view.page.locator('vscode-button.cancel').click();
    assert.deepEqual((await view.posted()).at(-1), { type: 'cancelTraining' });
    await view.send({ ...training, metrics: [...training.metrics, next], status: 'cancelled' });
    assert.equal(await view.page.locator('vscode-button.cancel[disabled]').count(), 1, 'no cancel once stopped');
    assert.match((await view.page.locator('.training-view [role=status]').textContent()) ?? '', /Status: cancelled/);
    assert.deepEqual(await view.violations(), []);
    assert.deepEqual(view.errors, []);
    await view.page.context().close();
  });

  it('after a complete training offers the next steps instead of Cancel; a failed one shows why, as text, and offers Train Again', async () => {
    const view = await openView(harness);
    const training = fixture<TrainingMessage>('iris-training.json');
    await view.send({ ...training, status: 'complete' });
    assert.equal(await view.page.locator('vscode-button.cancel').isVisible(), false, 'no Cancel once complete');
    await view.page.locator('vscode-button.next-step-explainTestRow').click();
    assert.deepEqual((await view.posted()).at(-1), { type: 'nextStep', step: 'explainTestRow' });
    await view.page.locator('vscode-button.next-step-showTestSet').click();
    assert.deepEqual((await view.posted()).at(-1), { type: 'nextStep', step: 'showTestSet' });
    assert.equal(await view.page.locator('.training-problem').isVisible(), false);

    const message = 'iris.csv:12, column "petal": text in a numeric column: "<img src=x onerror=alert(1)>"';
    await view.send({ ...training, metrics: [], status: 'failed', message });
    assert.equal(await view.page.locator('.training-problem').textContent(), message);
    assert.equal(await view.page.locator('.training-problem img').count(), 0, 'data text is never markup');
    assert.equal(await view.page.locator('.next-steps').isVisible(), false);
    // A failed or cancelled training offers to train again, by keyboard too.
    const again = view.page.locator('vscode-button.next-step-trainAgain');
    assert.equal(await again.isVisible(), true);
    await again.focus();
    await view.page.keyboard.press('Enter');
    assert.deepEqual((await view.posted()).at(-1), { type: 'nextStep', step: 'trainAgain' });
    await view.send({ ...training, status: 'cancelled' });
    assert.equal(await again.isVisible(), true);
    await view.send({ ...training, status: 'complete' });
    assert.equal(await again.isVisible(), false, 'a complete training offers its next steps instead');
    assert.deepEqual(await view.violations(), []);
    assert.deepEqual(view.errors, []);
    await view.page.context().close();
  });

  it('a classification run shows its last epoch’s test confusion matrix, live, with class names as text', async () => {
    const view = await openView(harness, 'light');
    const training = fixture<TrainingMessage>('iris-training.json');
    const hostile = '<img src=x onerror=alert(1)>';
    const classes = ['setosa', 'versicolor', hostile];
    const counts = [
      [10, 0, 0],
      [0, 8, 2],
      [0, 1, 9],
    ];
    const metrics = training.metrics.map((m, i) => (i === training.metrics.length - 1 ? { ...m, testConfusion: counts } : m));
    await view.send({ ...training, metrics, status: 'complete', classes });
    const table = view.page.locator('#confusion-matrix table.confusion');
    assert.equal(await table.locator('tbody tr').count(), 3);
    assert.deepEqual(await table.locator('thead th').allTextContents(), ['true ↓ / predicted →', ...classes, 'recall']);
    assert.deepEqual(await table.locator('tbody tr').nth(1).locator('td').allTextContents(), ['0', '8', '2', '80%']);
    assert.equal(await table.locator('td.cm-hit').count(), 3, 'the diagonal');
    assert.equal(await table.locator('td.cm-miss.cm-shade-1').count(), 2, 'the two confusions, lightly shaded');
    assert.equal(await view.page.locator('#confusion-matrix img').count(), 0, 'class names are never markup');
    const hint = (await view.page.locator('#confusion-matrix .hint').textContent()) ?? '';
    assert.ok(
      hint.includes(
        `27 of 30 test rows on the diagonal. Most confused: 2 versicolor taken for ${hostile}; 1 ${hostile} taken for versicolor.`,
      ),
      hint,
    );
    const missColour = await table
      .locator('td.cm-miss.cm-shade-1')
      .first()
      .evaluate((td) => getComputedStyle(td).backgroundColor);
    const hitColour = await table
      .locator('td.cm-hit.cm-shade-5')
      .first()
      .evaluate((td) => getComputedStyle(td).backgroundColor);
    assert.notEqual(missColour, hitColour, 'errors and hits are told apart by colour');
    assert.notEqual(missColour, 'rgba(0, 0, 0, 0)');
    await view.screenshot('training-confusion-light');
    assert.deepEqual(await view.violations(), []);

    // While training, each epoch's matrix replaces the last one.
    await view.send({ ...training, metrics: training.metrics, status: 'running', classes: null });
    assert.equal(await view.page.locator('#confusion-matrix').count(), 0, 'no matrix before an epoch brings one');
    const next: EpochMetrics = {
      epoch: 13,
      step: 52,
      trainLoss: 0.05,
      testLoss: 0.08,
      trainAccuracy: 0.98,
      testAccuracy: 1,
      testConfusion: [
        [10, 0, 0],
        [0, 10, 0],
        [0, 0, 10],
      ],
    };
    await view.send({
      type: 'trainingProgress',
      progress: { runDir: '/r', step: 52, totalSteps: 80, epoch: 13, epochs: 20, loss: 0.05, metrics: next, classes },
    });
    assert.match(
      (await view.page.locator('#confusion-matrix .hint').textContent()) ?? '',
      /After epoch 13: 30 of 30 .* No test row is misclassified\./,
    );
    assert.deepEqual(view.errors, []);
    await view.page.context().close();
  });

  it('regression runs show RMSE in target units', async () => {
    const view = await openView(harness, 'light');
    const training = fixture<TrainingMessage>('diabetes-training.json');
    await view.send(training);
    assert.equal(await view.page.locator('#plot-metric h3').textContent(), 'RMSE per epoch');
    assert.match((await view.page.locator('#plot-metric svg').textContent()) ?? '', /RMSE \(target units\)/);
    assert.equal(await view.page.locator('vscode-button.cancel[disabled]').count(), 1, 'complete: nothing to cancel');
    const last = await view.page.locator('#plot-metric details table tbody tr').last().locator('td').allTextContents();
    assert.ok(close(Number(last[5]), training.metrics.at(-1)!.testRmse!, 1e-3), `${last[5]}`);
    await view.screenshot('training-regression-light');
    await view.page.context().close();
  });
});
