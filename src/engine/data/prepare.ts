import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import type { ColumnType, DatasetFileRecord, EncodedColumn, Preprocessing } from '../../protocol';
import { UserError } from '../errors';
import { inferColumnType, isMissing, parseNumber } from './columnTypes';
import { readCsvTable, type CsvTable } from './csvTable';
import { displayPath, relativePosix } from './displayPath';
import { sha256File } from './fileDigest';
import { holdoutSplit } from './holdout';
import { isDirectory, prepareImageData } from './imageFolder';
import { columnEncoder, featureNamesOf, fitColumn } from './inputEncoding';
import type { DataMatrix, PreparedData, ResolvedExperiment } from './preparedData';
import { fitTarget, standardScale, type TargetEncoding } from './targetEncoding';
import { plainText, quoteCell, quoteNames } from '../../shared/safeText';

/** A CSV file read for an experiment, with the names used in messages and in row sources. */
interface SourceFile {
  table: CsvTable;
  /** Shown in messages. */
  display: string;
  /** Relative to the experiment folder, forward slashes (stored in rows and `files`). */
  relative: string;
}

/** One usable record: which file, which record. */
interface RowRef {
  source: SourceFile;
  record: number;
}

/** An experiment's CSV files opened, with the header and target column checked. */
interface Sources {
  train: SourceFile;
  test: SourceFile | null;
  header: string[];
  targetIndex: number;
  experimentDisplay: string;
}

/** The usable rows split into training and test rows. */
interface SplitRows {
  train: RowRef[];
  test: RowRef[];
}

/** A row's label: its target cell, trimmed. */
const labelReader =
  (targetIndex: number) =>
  (row: RowRef): string =>
    row.source.table.records[row.record][targetIndex].trim();

/** The target column of a CSV dataset (required there; an image folder's class is its subfolder). */
function csvTarget(experiment: ResolvedExperiment): string {
  if (experiment.dataset.target === null)
    throw new UserError('dataset.target is required for a CSV file (the column to predict)', { file: displayPath(experiment.file) });
  return experiment.dataset.target;
}

/** Reads and encodes an experiment's data, fitting the preprocessing on the training split. */
export async function prepareData(experiment: ResolvedExperiment): Promise<PreparedData> {
  if (await isDirectory(path.resolve(experiment.dir, experiment.dataset.train))) return prepareImageData(experiment);
  const sources = await openSources(experiment);
  const { dataset } = experiment;
  const { header, targetIndex, train } = sources;
  const inputIndices = header.map((_, i) => i).filter((i) => i !== targetIndex && !dataset.ignore.includes(header[i]));
  const types = inputIndices.map((i) => columnType(train, i, dataset.columns[header[i]]));
  const rows = usableSourceRows(experiment, sources, inputIndices);
  const labelOf = labelReader(targetIndex);
  const target = fitTarget(
    rows.train.map(labelOf),
    rows.train.map((row) => whereOf(row)),
    csvTarget(experiment),
    dataset.task,
  );
  const split = splitRows(experiment, rows, target, labelOf);
  if (target.task === 'regression') {
    // Task and classes come from the whole file (stratification needs them); the target scale from the training split only.
    target.targetScale = standardScale(
      split.train.map((row) => Number(labelOf(row))),
      { column: csvTarget(experiment), where: (k) => whereOf(split.train[k]) },
    );
  }
  const columns = inputIndices.map((i, k) =>
    fitColumn(
      header[i],
      types[k],
      split.train.map((row) => row.source.table.records[row.record][i]),
      (c) => whereOf(split.train[c]),
    ),
  );
  return encodePrepared(experiment, sources, split, inputIndices, preprocessingOf(experiment, header, target, columns));
}

/**
 * Like `prepareData` but with recorded preprocessing (frozen statistics, categories and classes), e.g. to retrain
 * without some rows: nothing is fitted. The split is drawn the same way (same file, fraction and seed give the same rows).
 */
export async function prepareDataWithPreprocessing(experiment: ResolvedExperiment, frozen: Preprocessing): Promise<PreparedData> {
  // An image folder fits nothing but its classes, which the same folder gives again.
  if (await isDirectory(path.resolve(experiment.dir, experiment.dataset.train))) return prepareImageData(experiment);
  const sources = await openSources(experiment);
  const inputIndices = frozen.columns.map((column) => requireColumn(sources.header, column.name, sources.train.display));
  const target: TargetEncoding = {
    task: frozen.task,
    classes: frozen.classes,
    positiveClass: frozen.positiveClass,
    targetScale: frozen.targetScale,
  };
  const labelOf = labelReader(sources.targetIndex);
  const split = splitRows(experiment, usableSourceRows(experiment, sources, inputIndices), target, labelOf);
  return encodePrepared(experiment, sources, split, inputIndices, preprocessingOf(experiment, sources.header, target, frozen.columns));
}

async function openSources(experiment: ResolvedExperiment): Promise<Sources> {
  const { dataset } = experiment;
  const experimentDisplay = displayPath(experiment.file);
  const train = await openSource(experiment.dir, dataset.train);
  const header = train.table.header;
  const targetIndex = header.indexOf(csvTarget(experiment));
  if (targetIndex < 0) {
    throw new UserError(`dataset.target: column "${csvTarget(experiment)}" not found in ${train.display}; columns: ${quoteNames(header)}`, {
      file: experimentDisplay,
      field: ['dataset', 'target'],
      choices: [...header],
    });
  }
  checkColumnNames(experiment, header, experimentDisplay, train.display);
  const test = 'file' in dataset.test ? await openSource(experiment.dir, dataset.test.file) : null;
  if (test) alignColumns(header, test, train.display);
  return { train, test, header, targetIndex, experimentDisplay };
}

/** The rows of the training file (and of the test file, when there is one) without missing values that matter. */
function usableSourceRows(
  experiment: ResolvedExperiment,
  sources: Sources,
  inputIndices: number[],
): { train: RowRef[]; test: RowRef[] | null } {
  const train = usableRows(sources.train, sources.targetIndex, inputIndices, experiment);
  const test = sources.test ? usableRows(sources.test, sources.targetIndex, inputIndices, experiment) : null;
  if (train.length === 0) throw new UserError('no usable rows (every row has a missing value)', { file: sources.train.display });
  return { train, test };
}

/** The test file's rows, or a seeded (stratified, for classes) holdout of the training file's usable rows. */
function splitRows(
  experiment: ResolvedExperiment,
  rows: { train: RowRef[]; test: RowRef[] | null },
  target: TargetEncoding,
  labelOf: (row: RowRef) => string,
): SplitRows {
  const { dataset } = experiment;
  const trainRows = rows.train;
  if (rows.test) return { train: trainRows, test: rows.test };
  const classIndex = target.classes ? new Map(target.classes.map((c, i) => [c, i])) : null;
  const fraction = 'fraction' in dataset.test ? dataset.test.fraction : 0.2;
  const strata = classIndex ? trainRows.map((row) => classIndex.get(labelOf(row)) ?? 0) : null;
  const split = holdoutSplit(trainRows.length, fraction, experiment.training.seed, strata);
  return { train: split.train.map((i) => trainRows[i]), test: split.test.map((i) => trainRows[i]) };
}

function preprocessingOf(
  experiment: ResolvedExperiment,
  header: string[],
  target: TargetEncoding,
  columns: EncodedColumn[],
): Preprocessing {
  return {
    target: csvTarget(experiment),
    task: target.task,
    classes: target.classes,
    positiveClass: target.positiveClass,
    targetScale: target.targetScale,
    missing: experiment.dataset.missing,
    columns,
    featureNames: featureNamesOf(columns),
    header: [...header],
  };
}

async function encodePrepared(
  experiment: ResolvedExperiment,
  sources: Sources,
  split: SplitRows,
  inputIndices: number[],
  preprocessing: Preprocessing,
): Promise<PreparedData> {
  const { dataset } = experiment;
  const { targetIndex, experimentDisplay } = sources;
  const trainMatrix = encodeRows(split.train, inputIndices, targetIndex, preprocessing, true);
  const testMatrix = encodeRows(split.test, inputIndices, targetIndex, preprocessing, true);
  const featureCount = preprocessing.featureNames.length;
  if (trainMatrix.count < experiment.training.batchSize) {
    throw new UserError(`only ${trainMatrix.count} training rows, fewer than training.batchSize (${experiment.training.batchSize})`, {
      file: experimentDisplay,
    });
  }
  const image = dataset.image;
  if (image && image.width * image.height * image.channels !== featureCount) {
    const channels = image.channels > 1 ? `×${image.channels} channels` : ' pixels';
    throw new UserError(
      `dataset.image is ${image.width}×${image.height}${channels} = ${image.width * image.height * image.channels} values, but there are ${featureCount} input features`,
      { file: experimentDisplay },
    );
  }
  const files = [await fileRecord(sources.train)];
  if (sources.test) files.push(await fileRecord(sources.test));
  return {
    preprocessing,
    featureCount,
    image,
    outputCount: preprocessing.task === 'multiclass' ? (preprocessing.classes?.length ?? 0) : 1,
    train: trainMatrix,
    test: testMatrix,
    files,
  };
}

/**
 * Encodes every record of any CSV holding the training input columns (e.g. rows to explain). The target column is
 * optional: without it (or for a missing or unknown label) labels are '' and y is -1 (classes) or NaN.
 */
export async function encodeCsvRows(file: string, preprocessing: Preprocessing, experimentDir: string): Promise<DataMatrix> {
  const abs = path.resolve(experimentDir, file);
  const source: SourceFile = { table: await readCsvTable(abs), display: displayPath(abs), relative: relativePosix(experimentDir, abs) };
  const header = source.table.header;
  const inputIndices = preprocessing.columns.map((column) => requireColumn(header, column.name, source.display));
  const targetIndex = header.indexOf(preprocessing.target);
  const rows = source.table.records.map((_, record) => ({ source, record }));
  const matrix = encodeRows(rows, inputIndices, targetIndex, preprocessing, false);
  // Raw cells in the training header's order, like the training matrices ('' for a column this file lacks).
  const order = preprocessing.header.map((name) => header.indexOf(name));
  matrix.raw = source.table.records.map((record) => order.map((from) => (from >= 0 ? record[from] : '')));
  return matrix;
}

async function openSource(dir: string, file: string): Promise<SourceFile> {
  const abs = path.resolve(dir, file);
  const display = displayPath(abs);
  return { table: await readCsvTable(abs, display), display, relative: relativePosix(dir, abs) };
}

function whereOf(row: RowRef): { file: string; line: number } {
  return { file: row.source.display, line: row.source.table.lines[row.record] };
}

function requireColumn(header: readonly string[], name: string, display: string): number {
  const i = header.indexOf(name);
  if (i < 0)
    throw new UserError(`column "${name}" used by the model is missing; columns: ${quoteNames(header)}`, { file: display, line: 1 });
  return i;
}

/** `dataset.columns` and `dataset.ignore` must name real columns (a typo would silently do nothing). */
function checkColumnNames(experiment: ResolvedExperiment, header: readonly string[], experimentDisplay: string, dataDisplay: string): void {
  const named = [
    ...Object.keys(experiment.dataset.columns).map((name) => ({
      key: `dataset.columns.${name}`,
      field: ['dataset', 'columns', name],
      name,
    })),
    ...experiment.dataset.ignore.map((name, i) => ({ key: `dataset.ignore.${i}`, field: ['dataset', 'ignore', i], name })),
  ];
  for (const { key, field, name } of named) {
    if (!header.includes(name)) {
      throw new UserError(`${key}: column "${name}" not found in ${dataDisplay}; columns: ${quoteNames(header)}`, {
        file: experimentDisplay,
        field,
        choices: [...header],
      });
    }
  }
  if (experiment.dataset.ignore.includes(csvTarget(experiment))) {
    throw new UserError(`dataset.ignore: the target column "${csvTarget(experiment)}" cannot be ignored`, { file: experimentDisplay });
  }
}

/** The test file must have the training file's columns (any order); its records are reordered to match. */
function alignColumns(header: readonly string[], test: SourceFile, trainDisplay: string): void {
  const missing = header.filter((name) => !test.table.header.includes(name));
  const extra = test.table.header.filter((name) => !header.includes(name));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [];
    if (missing.length > 0) parts.push(`missing ${plainText(missing.join(', '), 300)}`);
    if (extra.length > 0) parts.push(`extra ${plainText(extra.join(', '), 300)}`);
    throw new UserError(`the test file must have the columns of ${trainDisplay}: ${parts.join('; ')}`, { file: test.display, line: 1 });
  }
  const order = header.map((name) => test.table.header.indexOf(name));
  if (order.every((from, to) => from === to)) return;
  test.table.records = test.table.records.map((record) => order.map((from) => record[from]));
  test.table.header = [...header];
}

/** A column's type from its override or its cells; a numeric column with some text is an error at the first text. */
function columnType(source: SourceFile, column: number, override: ColumnType | undefined): ColumnType {
  const cells = source.table.records.map((record) => record[column]);
  const inferred = inferColumnType(cells, override);
  if (inferred.type === 'numeric' && inferred.firstBad !== null) {
    throw new UserError(`text in a numeric column: ${quoteCell(cells[inferred.firstBad])}`, {
      file: source.display,
      line: source.table.lines[inferred.firstBad],
      column: source.table.header[column],
    });
  }
  return inferred.type;
}

/** Rows kept under the missing-value policy: a missing target always drops the row (or errors under "error"). */
function usableRows(source: SourceFile, targetIndex: number, inputIndices: readonly number[], experiment: ResolvedExperiment): RowRef[] {
  const policy = experiment.dataset.missing;
  const rows: RowRef[] = [];
  const { records, lines, header } = source.table;
  for (let r = 0; r < records.length; r++) {
    const record = records[r];
    const missingAt = isMissing(record[targetIndex]) ? targetIndex : inputIndices.find((i) => isMissing(record[i]));
    if (missingAt === undefined) {
      rows.push({ source, record: r });
      continue;
    }
    if (policy === 'error') {
      throw new UserError('missing value (dataset.missing is "error")', {
        file: source.display,
        line: lines[r],
        column: header[missingAt],
      });
    }
    // "impute" keeps rows with missing inputs; a missing target is dropped under every policy but "error".
    if (policy === 'impute' && missingAt !== targetIndex) rows.push({ source, record: r });
  }
  return rows;
}

function encodeRows(
  rows: readonly RowRef[],
  inputIndices: readonly number[],
  targetIndex: number,
  preprocessing: Preprocessing,
  strictTarget: boolean,
): DataMatrix {
  const encoders = preprocessing.columns.map((column) => columnEncoder(column, preprocessing.missing === 'impute' ? 'impute' : 'error'));
  const width = encoders.reduce((sum, encoder) => sum + encoder.width, 0);
  const x = new Float32Array(rows.length * width);
  const classes = preprocessing.classes ? new Map(preprocessing.classes.map((c, i) => [c, i])) : null;
  const y = classes ? new Int32Array(rows.length) : new Float32Array(rows.length);
  const labels: string[] = [];
  const raw: string[][] = [];
  const sources = rows.map((row, r) => {
    const record = row.source.table.records[row.record];
    const where = whereOf(row);
    let offset = r * width;
    encoders.forEach((encoder, k) => {
      encoder.encode(record[inputIndices[k]], x, offset, where);
      offset += encoder.width;
    });
    const label = targetIndex >= 0 && !isMissing(record[targetIndex]) ? record[targetIndex].trim() : '';
    y[r] = encodeLabel(label, classes, preprocessing, strictTarget, where);
    labels.push(label);
    raw.push(record);
    return { file: row.source.relative, line: where.line };
  });
  return { x, y, rows: sources, raw, labels, count: rows.length };
}

/** Class index or standardized value; -1 / NaN for an absent label unless `strict` (training data). */
function encodeLabel(
  label: string,
  classes: Map<string, number> | null,
  preprocessing: Preprocessing,
  strict: boolean,
  where: { file: string; line: number },
): number {
  if (classes) {
    const index = classes.get(label);
    if (index !== undefined) return index;
    if (strict)
      throw new UserError(`class ${quoteCell(label)} does not occur in the training data`, { ...where, column: preprocessing.target });
    return -1;
  }
  const value = label === '' ? null : parseNumber(label);
  if (value === null) {
    if (strict)
      throw new UserError(`the target of a regression must be numeric, found ${quoteCell(label)}`, {
        ...where,
        column: preprocessing.target,
      });
    return Number.NaN;
  }
  const scale = preprocessing.targetScale ?? { mean: 0, std: 1 };
  return (value - scale.mean) / scale.std;
}

async function fileRecord(source: SourceFile): Promise<DatasetFileRecord> {
  const stat = await fsp.stat(source.table.file);
  return { file: source.relative, sha256: await sha256File(source.table.file), size: stat.size };
}
