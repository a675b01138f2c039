/**
 * The words the views use, each in one plain sentence: shown as hover help (`title`) where the word appears, and in
 * the explanation's "What these words mean" section.
 */
export const GLOSSARY = {
  kernelMachine:
    'A kernel machine predicts by adding up training examples, each weighted by how alike it is to the row; a network trained by gradient descent is exactly one: the untrained output plus every example’s contribution.',
  pathKernel:
    'The path kernel measures how alike two rows are to the network: how much the training steps on one moved the other’s output, summed along the whole training path.',
  coefficient:
    'The coefficient is the weight the example carries: its contribution divided by its path kernel (for plain gradient descent, how wrong the network was on it, on average along training).',
  contribution:
    'A contribution is how far the explained output moved because of this training example over the whole training; positive supports the prediction, negative opposes it.',
  otherClass:
    'A training row of another class can push toward this class: its training steps also moved weights this row relies on, for example through features both classes share.',
} as const;
