/**
 * Escaping data for Markdown (pure, no VS Code). Every ASCII punctuation character is backslash-escaped,
 * which CommonMark allows, so cell text cannot open links, images, HTML, tables or autolinks.
 */

const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

export function escapeMarkdown(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(PUNCTUATION, (ch) => `\\${ch}`);
}

/** A `command:` URI with JSON arguments, as VS Code's Markdown links expect. */
export function commandUri(command: string, args: unknown[]): string {
  return `command:${command}?${encodeURIComponent(JSON.stringify(args))}`;
}
