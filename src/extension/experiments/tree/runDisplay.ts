/** How runs read in the tree and notifications (pure, no VS Code). */
import type { EpochMetrics, RunInfo } from '../../../protocol';
import { escapeMarkdown } from '../../hover/markdownText';

const percent = (v: number): string => `${(v * 100).toFixed(1)}%`;
const num = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(3));

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
