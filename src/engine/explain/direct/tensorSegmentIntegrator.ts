import type { LoadedRun } from '../shared/loadedRun';
import type { QueryBlock } from '../shared/blockTypes';
import type { SegmentIntegrator } from '../shared/stepRefinement';
import { kinkAwareSegmentGradients } from './kinkDetection';
import { refinedSegmentGradients } from './tensorQuerySide';

/** The direct method's integrator: batched TensorFlow.js passes (float32). */
export function tensorSegmentIntegrator(run: LoadedRun, block: QueryBlock): SegmentIntegrator {
  return {
    kinkAware: (pairs, nodes) => kinkAwareSegmentGradients(run, block, pairs, nodes),
    composite: (pairs, nodes, pieces) => refinedSegmentGradients(run, block, pairs, nodes, pieces),
  };
}
