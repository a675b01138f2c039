import * as path from 'node:path';

/** A path as shown in messages: relative to the working folder when inside it, else absolute. */
export function displayPath(file: string): string {
  const abs = path.resolve(file);
  const rel = path.relative(process.cwd(), abs);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
}

/** `target` relative to `dir` with forward slashes (stable across platforms, stored in runs). */
export function relativePosix(dir: string, target: string): string {
  const rel = path.relative(dir, path.resolve(dir, target));
  return rel.split(path.sep).join('/');
}
