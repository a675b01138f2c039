/** How runs read in the tree and notifications (pure, no VS Code). */
import { numberText, percentText as percent } from '../../../shared/numberText';
import type { EpochMetrics, RunInfo, RunTraining } from '../../../protocol';
import { escapeMarkdown } from '../../hover/markdownText';

const num = (v: number): string => numberText(v, 3);

export function lastMetrics(run: Pick<RunInfo, 'metrics'>): EpochMetrics | undefined {
  return run.metrics[run.metrics.length - 1];
}

/** e.g. "test accuracy 93.3%, test loss 0.214". */
export function finalMetricsSummary(run: Pick<RunInfo, 'metrics'>): string {
  const m = lastMetrics(run);
  if (!m) return 'no metrics recorded';
  if (m.testAccuracy !== undefined) return `test accuracy ${percent(m.testAccuracy)}, test loss ${num(m.testLoss)}`;
  if (m.testRmse !== undefined) return `test RMSE ${num(m.testRmse)}, test loss ${num(m.testLoss)}`;
  return `test loss ${num(m.testLoss)}`;
}

/** Short text beside a run in the tree. */
export function runDescription(run: RunInfo, now = new Date()): string {
  const date = new Date(run.createdAt);
  const sameDay = date.toDateString() === now.toDateString();
  const when = sameDay
    ? date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  const m = lastMetrics(run);
  const metric =
    m?.testAccuracy !== undefined ? `acc ${percent(m.testAccuracy)}` : m?.testRmse !== undefined ? `rmse ${num(m.testRmse)}` : '';
  return [when, run.status === 'complete' ? metric : run.status, run.stale ? 'stale' : ''].filter(Boolean).join(' · ');
}

/** The Markdown tooltip: name, status, annotation and a table of the final metrics. */
/** How the run's path is kept, and what that means for explaining it. */
export function pathLayoutText(run: RunInfo): string {
  if (run.pathLayout === 'checkpoints')
    return `Path: ${run.checkpoints ?? 'some'} checkpoints; each explanation replays the training (exact; a batch of rows shares one replay)`;
  if (run.pathLayout === 'approximate' || run.approximate) return 'Path: every k-th step kept; explanations are approximate';
  return 'Path: every step stored; explanations read the stored index';
}

export function runTooltipMarkdown(run: RunInfo): string {
  const lines = [`**${escapeMarkdown(run.label ?? run.name)}** · ${run.status}`, ''];
  if (run.label) lines.push(`Run ${escapeMarkdown(run.name)}`, '');
  if (run.annotation) lines.push(`_${escapeMarkdown(run.annotation)}_`, '');
  if (run.stale) lines.push('⚠ The dataset changed since this run was trained: its explanations no longer match the file.', '');
  if (run.message) lines.push(escapeMarkdown(run.message), '');
  const m = lastMetrics(run);
  if (m) {
    lines.push(`| metric (epoch ${m.epoch}) | train | test |`, '|---|---:|---:|');
    lines.push(`| loss | ${num(m.trainLoss)} | ${num(m.testLoss)} |`);
    if (m.trainAccuracy !== undefined && m.testAccuracy !== undefined)
      lines.push(`| accuracy | ${percent(m.trainAccuracy)} | ${percent(m.testAccuracy)} |`);
    if (m.trainRmse !== undefined && m.testRmse !== undefined) lines.push(`| RMSE | ${num(m.trainRmse)} | ${num(m.testRmse)} |`);
    lines.push('');
  }
  lines.push(
    `${run.trainRows} training rows, ${run.testRows} test rows, ${run.parameters} parameters, ${run.steps} steps on ${run.backend}`,
    '',
    pathLayoutText(run),
    '',
    `Created ${escapeMarkdown(new Date(run.createdAt).toLocaleString())}`,
  );
  return lines.join('\n');
}

/** The training settings that tell runs apart, in the order a user reads them (the tree's titles, Compare Runs). */
export const TRAINING_SETTINGS: {
  key: keyof RunTraining;
  name: string;
  value: (t: RunTraining) => string;
  text: (t: RunTraining) => string;
}[] = [
  { key: 'optimizer', name: 'Optimizer', value: (t) => t.optimizer, text: (t) => t.optimizer },
  { key: 'learningRate', name: 'Learning rate', value: (t) => String(t.learningRate), text: (t) => `lr ${t.learningRate}` },
  { key: 'epochs', name: 'Epochs', value: (t) => String(t.epochs), text: (t) => `${t.epochs} epochs` },
  { key: 'batchSize', name: 'Batch', value: (t) => String(t.batchSize), text: (t) => `batch ${t.batchSize}` },
  { key: 'seed', name: 'Seed', value: (t) => String(t.seed), text: (t) => `seed ${t.seed}` },
];

/**
 * A run's name in the tree: its user label, else what differs from the experiment's other runs ("adam · lr 0.01"),
 * else its number in training order ("run 2 of 3"), so runs never read alike.
 */
export function runTitle(run: RunInfo, runs: readonly RunInfo[]): string {
  if (run.label) return run.label;
  const training = run.training;
  const others = runs.filter((r) => r !== run && r.training);
  if (training && others.length > 0) {
    const differing = TRAINING_SETTINGS.filter(({ key }) => others.some((o) => o.training?.[key] !== training[key]));
    if (differing.length > 0) return differing.map(({ text }) => text(training)).join(' · ');
  }
  if (runs.length < 2) return run.name;
  const order = [...runs].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return `${run.name} · run ${order.indexOf(run) + 1} of ${runs.length}`;
}

/** Why this run answers hovers and Explain Prediction: pinned, or the latest complete run. */
export function answeringText(run: RunInfo): string {
  return run.pinned ? '★ pinned' : '★ latest';
}
