/** The workflow suite's settings and its long experiment (test/e2e/workflows.test.ts). */
import { QUIET_SETTINGS } from './codeServer';

export const settings = {
  ...QUIET_SETTINGS,
  'editor.hover.delay': 300,
  'security.workspace.trust.enabled': false,
  // VS Code for the web saves after a delay by default; these flows save explicitly, as on the desktop.
  'files.autoSave': 'off',
  // No suspect markers: their ranking would compete with these flows for the engine.
  'kernelLens.suspects.markers': 0,
};

/** Long enough (27 000 steps, tens of seconds) to still be running when Cancel is clicked. */
export const longExperiment = {
  name: 'digits-long',
  dataset: { train: 'digits.csv', target: 'digit', test: { fraction: 0.2 } },
  model: { hidden: [{ units: 16, activation: 'tanh' }] },
  training: { optimizer: 'adam', learningRate: 0.01, epochs: 600, batchSize: 32, seed: 1 },
};
