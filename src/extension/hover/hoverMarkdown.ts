/**
 * The text of a CSV row hover, built from an explanation (pure, no VS Code).
 * All data goes through `escapeMarkdown`; links only use this extension's commands.
 */
import { numberText, signedText } from '../../shared/numberText';
import { probabilityClause } from '../../shared/probabilityText';
import * as path from 'node:path';
import type { Contribution, Explanation, ImageShape, RunInfo } from '../../protocol';
import { recordPixels } from './rowImage';
import type { RowRef } from '../experiments/model/rowLookup';
import { commandUri, escapeMarkdown } from './markdownText';
import { rowSourceText } from '../../shared/rowSource';

export const OPEN_ROW_COMMAND = 'kernelLens.openRow';
export const EXPLAIN_COMMAND = 'kernelLens.explainPrediction';

export interface OpenRowArgs {
  file: string;
  /** null: an image file, opened whole. */
  line: number | null;
}

export interface ExplainArgs {
  runDir: string;
  split: RowRef['split'];
  row: number;
}

/** The trimmed part of an explanation a hover needs (what the per-run cache keeps). */
export interface HoverFacts {
  /** The row's CSV location (file relative to the experiment folder); line null for an image. */
  file: string;
  line: number | null;
  prediction: Explanation['prediction'];
  label: string | null;
  output: Explanation['output'];
  residual: Explanation['residual'];
  network: number;
  supporters: Contribution[];
  opposer: Contribution | null;
  /** How many contributions were looked at to find them. */
  considered: number;
  /** An image run: the row's pixels (the test set's thumbnails), sent by the engine or read from its CSV cells. */
  pixels?: number[];
}

/** `image`: the run's input shape, when it has one: a pixel CSV row's cells become its thumbnail. */
export function hoverFacts(explanation: Explanation, image?: ImageShape): HoverFacts {
  const values = explanation.values;
  const pixels =
    explanation.pixels ??
    (image && values
      ? recordPixels(
          values.map((v) => v.name),
          values.map((v) => v.value),
          image,
        )
      : null);
  const supporters = explanation.contributions.filter((c) => c.contribution > 0).slice(0, 3);
  const opposer = explanation.contributions.find((c) => c.contribution < 0) ?? null;
  return {
    file: explanation.file,
    line: explanation.line,
    prediction: explanation.prediction,
    label: explanation.label,
    output: explanation.output,
    residual: explanation.residual,
    network: explanation.network,
    supporters,
    opposer,
    considered: explanation.contributions.length,
    ...(pixels ? { pixels } : {}),
  };
}

export function describePrediction(prediction: Explanation['prediction']): string {
  return 'label' in prediction
    ? `${escapeMarkdown(prediction.label)} (${escapeMarkdown(probabilityClause(prediction.probability))})`
    : escapeMarkdown(numberText(prediction.value));
}

function describeOutput(output: Explanation['output']): string {
  const cls = output.class !== null ? ` of class ${escapeMarkdown(output.class)}` : '';
  const units = output.units === 'logit' ? 'logits' : 'target units';
  return `${escapeMarkdown(output.kind)}${cls}, in ${units}`;
}

function sourceLink(c: Contribution, experimentDir: string): string {
  const file = path.resolve(experimentDir, c.file);
  const args: OpenRowArgs = { file, line: c.line };
  const text = escapeMarkdown(rowSourceText(path.basename(c.file), c.line));
  return `[${text}](${commandUri(OPEN_ROW_COMMAND, [args])} "Open the training row")`;
}

export interface HoverContext {
  run: Pick<RunInfo, 'name' | 'dir' | 'experimentFile' | 'label'>;
  ref: RowRef;
  /** A pixel CSV row's picture, as a `data:image/png` URI (rowImage.ts). */
  image?: string;
}

/** The hover of a row whose explanation is known. */
export function hoverMarkdown(facts: HoverFacts, ctx: HoverContext): string {
  const dir = path.dirname(ctx.run.experimentFile);
  const runName = escapeMarkdown(ctx.run.label ?? ctx.run.name);
  const lines: string[] = [];
  lines.push(`**Kernel Lens** · run ${runName} · ${ctx.ref.split} row ${ctx.ref.row}`, '');
  // Our own PNG (base64 only), never dataset text, goes in the image link.
  if (ctx.image && /^data:image\/png;base64,[A-Za-z0-9+/=]+$/.test(ctx.image)) lines.push(`![the row as an image](${ctx.image})`, '');
  let predictionLine = `Prediction: **${describePrediction(facts.prediction)}**`;
  if (facts.label !== null) {
    const correct = 'label' in facts.prediction ? (facts.prediction.label === facts.label ? ' ✓' : ' ✗') : '';
    predictionLine += ` · True label: **${escapeMarkdown(facts.label)}**${correct}`;
  }
  lines.push(predictionLine, '');
  lines.push(`Explained output: ${describeOutput(facts.output)} = ${escapeMarkdown(numberText(facts.network))}`, '');
  if (facts.supporters.length > 0 || facts.opposer) {
    lines.push('| | training row | label | contribution |', '|---|---|---|---:|');
    facts.supporters.forEach((c, i) => {
      lines.push(
        `| supporter ${i + 1} | ${sourceLink(c, dir)} | ${escapeMarkdown(c.label)} | ${escapeMarkdown(signedText(c.contribution))} |`,
      );
    });
    if (facts.opposer) {
      const c = facts.opposer;
      lines.push(
        `| strongest opposer | ${sourceLink(c, dir)} | ${escapeMarkdown(c.label)} | ${escapeMarkdown(signedText(c.contribution))} |`,
      );
    } else {
      lines.push(`| strongest opposer | none among the top ${facts.considered} | | |`);
    }
    lines.push('');
  }
  const flag = facts.residual.flagged ? ' ⚠ above tolerance' : '';
  lines.push(
    `Residual: ${escapeMarkdown(signedText(facts.residual.signed))} (relative ${escapeMarkdown(numberText(facts.residual.rel))})${flag}`,
    '',
  );
  const args: ExplainArgs = { runDir: ctx.run.dir, split: ctx.ref.split, row: ctx.ref.row };
  lines.push(`[$(lightbulb) Explain prediction](${commandUri(EXPLAIN_COMMAND, [args])} "Open the full explanation")`);
  return lines.join('\n');
}

/** The hover of a row whose run was trained on a different version of the dataset. */
export function staleHoverMarkdown(run: Pick<RunInfo, 'name' | 'label'>): string {
  return [
    `**Kernel Lens** · run ${escapeMarkdown(run.label ?? run.name)} is stale`,
    '',
    'The dataset changed since this run was trained, so its rows no longer match this file. Train again to explain these rows.',
  ].join('\n');
}

/** The hover of a document with unsaved changes (its lines may not match the trained rows). */
export function dirtyHoverMarkdown(): string {
  return '**Kernel Lens** · save the file to see explanations: unsaved edits may have moved its rows.';
}
