import type { KernelEvolution, LdsEvaluation, SuspectScoring, VerifyResult } from '../../protocol';
import { UserError } from '../errors';
import { SUGGESTED_ROWS, suspiciousRows } from '../trust/suspects';
import { verifyExplanation } from '../trust/verify';
import { kernelEvolution } from '../trust/tangentKernelEvolution';
import { integerFlag, numberFlag, onePositional, outputSelector, parseCommand, splitFlag, stringFlag } from './cliArgs';
import { ldsFile, linearDatamodelingScore } from '../trust/lds';
import { startBackend } from './backendFlag';
import { LDS_FRACTION, LDS_METHOD_NAMES, LDS_METHODS, LIMITS, SUSPECT_SCORING_WORDS, SUSPECT_SCORINGS } from '../../protocol/limits';
import { plainText } from '../../shared/safeText';
import { rowSourceText } from '../../shared/rowSource';
import { numberText, percentText, signedText } from '../../shared/numberText';
import { probabilityText } from '../../shared/probabilityText';

const SCORINGS: readonly SuspectScoring[] = SUSPECT_SCORINGS;

/** kernel-lens suspects RUN_DIR [--top K] [--scoring SCORING (SUSPECT_SCORINGS)] [--json] */
async function suspects(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { top: { type: 'string' }, scoring: { type: 'string' }, json: { type: 'boolean' } });
  const runDir = onePositional(positionals, 'run directory');
  const top = integerFlag(values, 'top', { min: LIMITS.top.min, max: LIMITS.top.max });
  const scoring = stringFlag(values, 'scoring') as SuspectScoring | undefined;
  if (scoring !== undefined && !SCORINGS.includes(scoring))
    throw new UserError(`--scoring must be ${SCORINGS.join(', ')} (got "${scoring}")`);
  await startBackend(values);
  const result = await suspiciousRows(runDir, { top, scoring });
  if (values.json) {
    process.stdout.write(
      JSON.stringify(
        result.rows.map(({ index, file, line, label, score, predicted, labelProbability, suggestedLabel, suggestedProbability }) => ({
          index,
          file,
          line,
          label,
          score,
          predicted,
          labelProbability,
          suggestedLabel,
          suggestedProbability,
        })),
        null,
        2,
      ) + '\n',
    );
    return 0;
  }
  const suggests = result.rows.some((r) => r.suggestedLabel !== null);
  const lines = [
    `${result.rows.length} of ${result.trainRows} training rows, most suspicious first, ranked by ${SUSPECT_SCORING_WORDS[result.scoring]} (${result.scoring})`,
    suggests
      ? 'rank  score       file:line              label → what the rest of the data says (p)   p of the label by the model'
      : 'rank  score       file:line              label → predicted (p of label)',
  ];
  for (const r of result.rows) {
    const label = `${plainText(r.label, 60)} →`;
    const p = r.labelProbability === null ? '' : probabilityText(r.labelProbability);
    // Under the suggestions' header, a row past the suggested ones says so instead of showing the model's prediction.
    const says = !suggests
      ? `${label} ${plainText(r.predicted, 60)}${p && ` (${p})`}`
      : r.suggestedLabel !== null && r.suggestedProbability !== null
        ? `${label} ${plainText(r.suggestedLabel, 60)} (${probabilityText(r.suggestedProbability)})   ${p}`
        : `${label} (not computed past the first ${SUGGESTED_ROWS} rows)   ${p}`;
    lines.push(
      `${String(r.rank).padStart(4)}  ${numberText(r.score).padEnd(10)}  ${plainText(rowSourceText(r.file, r.line), 60).padEnd(22)} ${says}`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}

/** kernel-lens verify RUN_DIR --row N [--split test|train] [--k K] [--draws D] [--json] */
async function verify(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    row: { type: 'string' },
    split: { type: 'string' },
    k: { type: 'string' },
    draws: { type: 'string' },
    seed: { type: 'string' },
    class: { type: 'string' },
    margin: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const runDir = onePositional(positionals, 'run directory');
  const row = integerFlag(values, 'row', LIMITS.row);
  if (row === undefined) throw new UserError('verify needs --row N');
  const split = splitFlag(values);
  const output = outputSelector(values);
  await startBackend(values);
  const result = await verifyExplanation(runDir, {
    query: { split, row },
    output,
    k: integerFlag(values, 'k', LIMITS.verifyK),
    randomDraws: integerFlag(values, 'draws', LIMITS.verifyRandomDraws),
    seed: integerFlag(values, 'seed', LIMITS.verifySeed),
  });
  process.stdout.write((values.json ? JSON.stringify(result, null, 2) : verifyTable(result)) + '\n');
  return 0;
}

function verifyTable(r: VerifyResult): string {
  const f = (v: number) => signedText(v);
  const what = `${r.output.kind}${r.output.class ? ` of ${r.output.class}` : ''}`;
  const lines = [`${r.query.split} row ${r.query.row}: ${what} = ${numberText(r.original)} (${r.backend}, ${(r.ms / 1000).toFixed(1)} s)`];
  if (r.retrained !== null)
    lines.push(
      `retrained with nothing removed: ${numberText(r.retrained)} (${r.retrained === r.original ? 'identical' : `differs by ${signedText(r.retrained - r.original)}`})`,
    );
  lines.push('removed                   contribution sum   first-order estimate   actual change');
  const row = (name: string, m: VerifyResult['supporters']) =>
    lines.push(`${name.padEnd(26)}${f(m.removedSum).padStart(16)}${f(-m.removedSum).padStart(23)}${f(m.change).padStart(16)}`);
  row(`top ${r.supporters.rows.length} supporters`, r.supporters);
  r.random.forEach((m, d) => row(`${r.k} random rows (#${d + 1})`, m));
  lines.push('(the estimate is minus the removed contributions: the direction retraining is expected to move, not a forecast of how far)');
  if (r.lds) {
    const rho = (v: number | null) => (v === null ? 'n/a' : numberText(v, 3));
    lines.push(
      `LDS (${r.lds.subsets} retrainings keeping ${Math.round(r.lds.fraction * 100)}%${r.output.kind === 'logit' ? ', scored on the margin' : ''}): this row ${LDS_METHODS.map((m) => `${LDS_METHOD_NAMES[m]} ${rho(r.lds?.row[m] ?? null)}`).join(', ')}; run mean ${rho(r.lds.mean.pathKernel)} (path kernel)`,
    );
  }
  return lines.join('\n');
}

/** kernel-lens kernel RUN_DIR [--sample N] [--checkpoints C] [--share-rows R] [--no-matrices] [--json] */
async function kernel(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    sample: { type: 'string' },
    checkpoints: { type: 'string' },
    'no-matrices': { type: 'boolean' },
    'share-rows': { type: 'string' },
    json: { type: 'boolean' },
  });
  const runDir = onePositional(positionals, 'run directory');
  const sample = integerFlag(values, 'sample', LIMITS.kernelSample);
  const checkpoints = integerFlag(values, 'checkpoints', LIMITS.kernelCheckpoints);
  const shareRows = integerFlag(values, 'share-rows', LIMITS.kernelShareRows);
  await startBackend(values);
  const result = await kernelEvolution(runDir, {
    sample,
    checkpoints,
    shareRows,
    matrices: values.json === true && !values['no-matrices'],
  });
  process.stdout.write((values.json ? JSON.stringify(result) : kernelSummary(result)) + '\n');
  return 0;
}

function kernelSummary(r: KernelEvolution): string {
  const lines = [
    `kernel on ${r.sample.length} training rows (${(r.ms / 1000).toFixed(1)} s)`,
    `kernel-target alignment (centered): initial ${numberText(r.alignment.initial, 3)}, final ${numberText(r.alignment.final, 3)}, path ${numberText(r.alignment.path, 3)}`,
    `drift from the initial tangent kernel: kernel distance ${numberText(r.drift.kernelDistance, 3)}, relative change ${percentText(r.drift.relativeChange)}`,
    `alignment along training: ${r.alignmentCurve.map((p) => numberText(p.alignment, 3)).join(' ')}`,
  ];
  if (r.meanSameClassShare !== null)
    lines.push(`mean share of |contributions| from the predicted class: ${percentText(r.meanSameClassShare)}`);
  lines.push('(use --json for the matrices and every value)');
  return lines.join('\n');
}

/** kernel-lens lds RUN_DIR [--subsets M] [--fraction F] [--rows Q] [--seed S] [--json] */
async function lds(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    subsets: { type: 'string' },
    fraction: { type: 'string' },
    rows: { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean' },
  });
  const runDir = onePositional(positionals, 'run directory');
  const subsets = integerFlag(values, 'subsets', LIMITS.ldsSubsets);
  const fraction = numberFlag(values, 'fraction', LDS_FRACTION);
  const rows = integerFlag(values, 'rows', LIMITS.ldsRows);
  const seed = integerFlag(values, 'seed', LIMITS.ldsSeed);
  await startBackend(values);
  const started = Date.now();
  const result = await linearDatamodelingScore(runDir, {
    subsets,
    fraction,
    rows,
    seed,
    onProgress: (done, total) => {
      if (values.json) return;
      const line = `retrained ${done} of ${total} subsets (${((Date.now() - started) / 1000).toFixed(0)} s)`;
      // A terminal gets one line rewritten; a log gets a line every tenth of the way.
      if (process.stderr.isTTY) process.stderr.write(`\r${line}${done === total ? '\n' : ''}`);
      else if (done === total || done % Math.max(1, Math.round(total / 10)) === 0) process.stderr.write(`${line}\n`);
    },
  });
  process.stdout.write((values.json ? JSON.stringify(result, null, 2) : ldsTable(result)) + '\n');
  return 0;
}

function ldsTable(r: LdsEvaluation): string {
  const f = (v: number | null) => (v === null ? 'n/a' : numberText(v, 3));
  const lines = [
    `linear datamodeling score: ${r.rows.length} test rows, ${r.subsets} retrainings on random subsets keeping ${Math.round(r.fraction * 100)}% of the training rows (${r.backend}, ${(r.ms / 1000).toFixed(0)} s)`,
    'method                                 mean LDS   ± 95%    median   sd',
  ];
  for (const m of LDS_METHODS) {
    const s = r.methods[m];
    lines.push(
      `${LDS_METHOD_NAMES[m].padEnd(38)} ${f(s.mean).padStart(8)}   ${f(s.halfInterval).padStart(5)}   ${f(s.median).padStart(6)}   ${numberText(s.sd, 3)}`,
    );
  }
  if (!r.reproduced)
    lines.push('note: retraining on every row did not reproduce the run exactly on this backend; retrained outputs carry that noise');
  lines.push(`written to ${ldsFile(r.runDir)}; verify shows each scored row's agreement`);
  return lines.join('\n');
}

export const trustCommands: Record<string, (argv: string[]) => Promise<number>> = { suspects, verify, kernel, lds };
