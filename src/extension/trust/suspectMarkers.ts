/**
 * Which suspicious training rows get a warning marker in the CSV, and what the marker says (pure, no VS Code).
 * Diagnostic messages are plain text, but labels come from the data: control characters and line breaks are
 * flattened and long labels cut, so a cell cannot forge extra lines or bury the explanation.
 */
import type { SuspectRow } from '../../protocol';
import { plainText as safePlainText } from '../../shared/safeText';
import { probabilityClause, probabilityText } from '../../shared/probabilityText';
import { numberText } from '../../shared/numberText';

/** Default of `kernelLens.suspects.markers`: mark the top 2% of the training rows (at least MIN_MARKERS). */
export const DEFAULT_MARKER_SETTING = 0.02;
export const MIN_MARKERS = 5;
const MAX_LABEL = 60;

/**
 * How many rows to mark. `setting` ≥ 1 is a count, 0 < setting < 1 a share of the training rows (at least
 * MIN_MARKERS), 0 turns markers off; anything else falls back to the default.
 */
export function markerCount(setting: unknown, trainRows: number): number {
  const n = Math.max(0, Math.floor(trainRows));
  const value = typeof setting === 'number' && Number.isFinite(setting) && setting >= 0 ? setting : DEFAULT_MARKER_SETTING;
  if (value === 0) return 0;
  if (value >= 1) return Math.min(n, Math.floor(value));
  return Math.min(n, Math.max(MIN_MARKERS, Math.ceil(value * n)));
}

/** A row's identity in the experiment file's `suspects.ignore` and in marker bookkeeping: its file and line. */
export function rowKey(row: { file: string; line: number | null }): string {
  return `${row.file}\n${row.line}`;
}

/**
 * The rows to mark: up to `count` of them in rank order, one per CSV line (the first rank wins), skipping ignored rows
 * and, when the run has suggested labels, every row whose suggestion is its own label or that has none (a high score
 * alone is no reason to flag a label the rest of the data agrees with). Regression and CNN runs have no suggestions:
 * their best-ranked rows are marked.
 */
export function selectMarkerRows(rows: readonly SuspectRow[], count: number, ignored: ReadonlySet<string> = new Set()): SuspectRow[] {
  const ranked = [...rows].sort((a, b) => a.rank - b.rank);
  const suggests = rows.some((r) => r.suggestedLabel !== null);
  const seen = new Set<string>();
  const chosen: SuspectRow[] = [];
  for (const row of ranked) {
    if (chosen.length >= count) break;
    const key = rowKey(row);
    if (seen.has(key)) continue;
    seen.add(key);
    if (ignored.has(key) || (suggests && (row.suggestedLabel === null || row.suggestedLabel === row.label))) continue;
    chosen.push(row);
  }
  return chosen;
}

/** Data text made safe for a one-line plain message (safeText.ts), at most a label's length by default. */
export function plainText(text: string, max = MAX_LABEL): string {
  return safePlainText(text, max);
}

/** What the rest of the training data says of the row's label (its leave-self-out prediction), or null without one. */
function restOfData(row: SuspectRow): string | null {
  if (row.suggestedLabel === null || row.suggestedProbability === null) return null;
  const p = probabilityText(row.suggestedProbability);
  return row.suggestedLabel === row.label
    ? `the rest of the data agrees with it (${p})`
    : `the rest of the data says '${plainText(row.suggestedLabel)}' (${p})`;
}

/**
 * Why a row is marked, e.g. "label 'boot' is suspicious: the rest of the data says 'sandal' (0.93); the trained model
 * gives 'boot' p = 0.99 (rank 2 of 455)". Without a leave-self-out prediction (regression, CNN runs): the model's
 * probability and the self-influence.
 */
export function suspectMessage(row: SuspectRow, trainRows: number): string {
  const label = plainText(row.label);
  const rest = restOfData(row);
  if (rest !== null && row.labelProbability !== null)
    return `label '${label}' is suspicious: ${rest}; the trained model gives '${label}' ${probabilityClause(row.labelProbability)} (rank ${row.rank} of ${trainRows})`;
  const rank = `self-influence rank ${row.rank} of ${trainRows}`;
  const pulled = 'it pulled its own prediction hard along training';
  if (row.labelProbability === null) {
    const predicted = Number(row.predicted);
    const shown = Number.isFinite(predicted) ? numberText(predicted) : plainText(row.predicted);
    return `target '${label}' is suspicious: the model predicts ${shown} for this row and ${pulled} (${rank})`;
  }
  const disagrees = row.predicted !== row.label ? ` (it predicts '${plainText(row.predicted)}')` : '';
  return `label '${label}' is suspicious: the model gives it ${probabilityClause(row.labelProbability)}${disagrees} and ${pulled} (${rank})`;
}

/** Short text for the tree row: "labelled boot, the rest says sandal (0.93) · score 0.91", else "label → predicted · p = 0.41 · score 8.92". */
export function suspectDescription(row: SuspectRow): string {
  const score = `score ${numberText(row.score, 3)}`;
  if (row.suggestedLabel !== null && row.suggestedProbability !== null) {
    const says = row.suggestedLabel === row.label ? 'the rest agrees' : `the rest says ${plainText(row.suggestedLabel, 30)}`;
    return `labelled ${plainText(row.label, 30)}, ${says} (${probabilityText(row.suggestedProbability)}) · ${score}`;
  }
  const p = row.labelProbability === null ? '' : ` · ${probabilityClause(row.labelProbability)}`;
  return `${plainText(row.label, 30)} → ${plainText(row.predicted, 30)}${p} · ${score}`;
}
