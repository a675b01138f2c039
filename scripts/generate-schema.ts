/**
 * Writes `schemas/kernel-experiment.schema.json` from the experiment file's zod schema (the single source of truth).
 * Run with `npm run schema`; a unit test checks the checked-in file is up to date.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { experimentJsonSchemaText } from '../src/engine/data/experimentJsonSchema';

const out = path.join(__dirname, '..', 'schemas', 'kernel-experiment.schema.json');
writeFileSync(out, experimentJsonSchemaText());
process.stdout.write(`wrote ${path.relative(process.cwd(), out)}\n`);
