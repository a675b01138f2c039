import { z } from 'zod';
import { experimentSchema } from './experimentSchema';

/** Where the generated JSON schema lives, relative to the repository root. */
export const EXPERIMENT_JSON_SCHEMA_PATH = 'schemas/kernel-experiment.schema.json';

/**
 * The experiment file's JSON Schema (draft-07) as checked into the repository: the schema's input side, so keys
 * with defaults are optional and carry `default` and `description` for editor completion.
 */
export function experimentJsonSchemaText(): string {
  const schema = z.toJSONSchema(experimentSchema, { target: 'draft-7', io: 'input' }) as Record<string, unknown>;
  const withId = {
    $schema: schema.$schema,
    title: 'Kernel Lens experiment',
    ...schema,
  };
  return `${JSON.stringify(withId, null, 2)}\n`;
}
