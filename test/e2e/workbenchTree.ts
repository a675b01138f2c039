/**
 * The workbench as the workflow tests see it: the Experiments tree's rows, waits on them, notifications and
 * hovers, and the run folders the flows write (read straight from disk to check what the UI says).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { runCommand } from './codeServer';
import { waitFor } from '../helpers/waitFor';

export interface RunJson {
  status: string;
  message: string | null;
  label?: string;
  annotation?: string;
  pinned?: boolean;
  steps: number;
  testRows: number;
  metrics: unknown[];
  preprocessing: { classes: string[] | null };
}

export interface RowsJson {
  train: { file: string; line: number }[];
  test: { file: string; line: number }[];
}

export interface TreeRow {
  index: number;
  level: number;
  label: string;
  description: string;
}

/** Readers of a workspace's run folders (the workspace is known once the suite has set it up). */
export function runFolders(workspace: () => string) {
  const runsOf = (experiment: string): string[] => {
    const dir = join(workspace(), '.kernel-lens', 'runs', experiment);
    return existsSync(dir) ? readdirSync(dir).sort() : [];
  };
  const runJson = (experiment: string, run: string): RunJson =>
    JSON.parse(readFileSync(join(workspace(), '.kernel-lens', 'runs', experiment, run, 'run.json'), 'utf8')) as RunJson;
  const rowsJson = (experiment: string, run: string): RowsJson =>
    JSON.parse(readFileSync(join(workspace(), '.kernel-lens', 'runs', experiment, run, 'data', 'rows.json'), 'utf8')) as RowsJson;
  const csvLine = (file: string, line: number): string => readFileSync(join(workspace(), file), 'utf8').split(/\r?\n/)[line - 1] ?? '';
  return { runsOf, runJson, rowsJson, csvLine };
}

/** Rows of the Experiments tree in display order, with their depth. */
export async function treeRows(p: Page): Promise<TreeRow[]> {
  const rows = experimentsTree(p).locator('.monaco-list-row');
  const all = await rows.evaluateAll((els) =>
    els.map((e) => ({
      index: Number(e.getAttribute('data-index')),
      level: Number(e.getAttribute('aria-level')),
      label: e.querySelector('.label-name')?.textContent?.trim() ?? '',
      description: e.querySelector('.label-description')?.textContent?.trim() ?? '',
    })),
  );
  return all.sort((a, b) => a.index - b.index);
}

export function experimentsTree(p: Page): Locator {
  return p.locator('.pane', { has: p.locator('.pane-header', { hasText: /^\s*Experiments/ }) }).locator('.monaco-list');
}

export function treeRowAt(p: Page, index: number): Locator {
  return experimentsTree(p).locator(`.monaco-list-row[data-index="${index}"]`);
}

/**
 * A run's row found by its label (level 2, under its experiment) rather than by an index read a moment before: a
 * tree refreshed in between (another run's status arriving) would move the index to another row.
 */
export function runRowLabelled(p: Page, label: string): Locator {
  const exact = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  return experimentsTree(p)
    .locator('.monaco-list-row[aria-level="2"]')
    .filter({ has: p.locator('.label-name', { hasText: exact }) })
    .first();
}

/** The children shown under an experiment (dataset, model, runs, messages). */
export async function childrenOf(p: Page, experiment: string): Promise<TreeRow[]> {
  const rows = await treeRows(p);
  const at = rows.findIndex((r) => r.level === 1 && r.label === experiment);
  if (at < 0) return [];
  const children: TreeRow[] = [];
  for (const r of rows.slice(at + 1)) {
    if (r.level <= 1) break;
    if (r.level === 2) children.push(r);
  }
  return children;
}

/** Waits until `check` holds for an experiment's children (the tree refreshes after file events). */
export async function waitForChildren(
  p: Page,
  experiment: string,
  check: (children: TreeRow[]) => boolean,
  what: string,
  timeout = 30_000,
): Promise<TreeRow[]> {
  let last: TreeRow[] = [];
  try {
    return await waitFor(
      async () => {
        last = await childrenOf(p, experiment);
        return check(last) ? last : null;
      },
      { what, timeoutMs: timeout, intervalMs: 300 },
    );
  } catch {
    throw new Error(`The Experiments tree never showed ${what} under ${experiment}; it showed ${JSON.stringify(last)}`);
  }
}

/** Run rows come after the dataset and model rows and carry a description (time, metric or status). */
export const runRows = (children: TreeRow[]): TreeRow[] => children.slice(2).filter((r) => r.description !== '');

export async function focusExperiments(p: Page): Promise<void> {
  await runCommand(p, 'Focus on Experiments View');
  // Generous: on a loaded machine the workbench can take a while to lay out a view it has just focused.
  await experimentsTree(p).waitFor({ timeout: 90_000 });
}

/** A clean workbench between flows: no editors, no notifications. */
export async function tidy(p: Page): Promise<void> {
  await runCommand(p, 'View: Close All Editor Groups');
  await runCommand(p, 'Notifications: Clear All Notifications');
  await focusExperiments(p);
}

export function toast(p: Page, text: RegExp): Locator {
  return p.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
}

export async function showHover(p: Page, line: number): Promise<Locator> {
  await p.keyboard.press('Escape');
  await runCommand(p, 'View: Focus Active Editor Group');
  await p.locator('.statusbar', { hasText: `Ln ${line},` }).waitFor({ timeout: 10_000 });
  await runCommand(p, 'Show or Focus Hover');
  const hover = p.locator('.monaco-hover:not(.hidden)', { hasText: 'Kernel Lens' }).first();
  await hover.waitFor({ timeout: 60_000 });
  return hover;
}

/** Trains an experiment from its inline tree action and waits for the finished notification. */
export async function trainFromTree(p: Page, experiment: string, runsOf: (experiment: string) => string[]): Promise<string> {
  const before = runsOf(experiment);
  const rows = await treeRows(p);
  const row = rows.find((r) => r.level === 1 && r.label === experiment);
  assert.ok(row, `${experiment} is in the Experiments tree`);
  const target = treeRowAt(p, row.index);
  await target.hover();
  await target.locator('.action-label[aria-label="Train Experiment"]').click();
  await p
    .getByText(new RegExp(`Kernel Lens: trained ${experiment} in`))
    .first()
    .waitFor({ timeout: 120_000 });
  const added = runsOf(experiment).filter((r) => !before.includes(r));
  assert.equal(added.length, 1, 'one new run directory');
  return added[0];
}
