/** A row's place as people read it: `file:line` for a CSV record, the file alone for an image (line null). */
export function rowSourceText(file: string, line: number | null): string {
  return line === null ? file : `${file}:${line}`;
}
