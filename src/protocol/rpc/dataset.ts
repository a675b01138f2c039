/** Requests about datasets and experiment files. */
import { z } from 'zod';
import type { DatasetSchema, ExperimentConfig } from '../experiment';
import { EngineRequest } from './engineRequest';
import { filePath } from './schemaParts';

export const inspectParams = z.strictObject({ file: filePath });
export type InspectParams = z.infer<typeof inspectParams>;
export const inspectDataset = new EngineRequest<typeof inspectParams, DatasetSchema>('dataset/inspect', inspectParams);

export const validateParams = z.strictObject({ experimentFile: filePath });
export type ValidateParams = z.infer<typeof validateParams>;
export interface ValidateResult {
  ok: boolean;
  errors: string[];
  config: ExperimentConfig | null;
}
export const validateExperiment = new EngineRequest<typeof validateParams, ValidateResult>('experiment/validate', validateParams);
