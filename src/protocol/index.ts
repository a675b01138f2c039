/**
 * The contract shared by the engine, the extension and the webview, one concern per file:
 * - `limits.ts`: every limit and closed list of names (imports nothing; safe for the webview as a value);
 * - `vocabulary.ts`, `experiment.ts`, `run.ts`, `runFile.ts`, `explanation.ts`: data shapes;
 * - `rpc/*.ts`: each engine request's params schema (zod), params type (`z.infer`), result type and
 *   constant side by side, as rust-analyzer's `lsp_ext.ts` does; `rpc/methods.ts` lists them all;
 * - `webviewMessages.ts`: the webview's message contract (a typed union each way, with a ready handshake).
 *
 * The webview imports this module with `import type` only (test/unit/architecture.test.ts checks it),
 * so zod and `vscode-jsonrpc` never reach its bundle.
 */
export * from './limits';
export * from './vocabulary';
export * from './experiment';
export * from './run';
export * from './runFile';
export * from './explanation';
export * from './webviewMessages';
// The requests' types only: their schemas and constants are reached through `EngineMethods`.
export type * from './rpc/engineRequest';
export type * from './rpc/engine';
export type * from './rpc/dataset';
export type * from './rpc/runs';
export type * from './rpc/explain';
export type * from './rpc/trust';
export { EngineErrorCodes } from './rpc/engine';
export { EngineMethods } from './rpc/methods';
