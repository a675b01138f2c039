/**
 * In `--stdio` mode stdout carries JSON-RPC frames only. Everything else that would print there
 * (console.*, TensorFlow.js and its wasm module, stray `fs.writeSync(1, ...)`) is sent to stderr,
 * and the protocol writes through a private handle to the real stdout.
 */
import { Writable } from 'node:stream';
// `import =` keeps the real CommonJS module object (not a bundler copy), so the patches below take effect.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import fs = require('node:fs');

type WriteCallback = (error?: Error | null) => void;

let protocolStream: Writable | null = null;

/** Redirects every stdout writer to stderr; returns the stream the protocol must write to. Idempotent. */
export function guardStdout(): Writable {
  if (protocolStream) return protocolStream;
  // Touch process.stdout first: Node creates its stream (and binds its fs writer) lazily.
  const stdout = process.stdout;
  const realWrite = stdout.write.bind(stdout) as (chunk: Uint8Array | string, callback?: WriteCallback) => boolean;

  stdout.write = process.stderr.write.bind(process.stderr) as typeof stdout.write;
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;
  console.dir = (item: unknown) => console.error(item);
  console.table = (data: unknown) => console.error(data);

  const writeSync = fs.writeSync;
  fs.writeSync = ((fd: number, ...rest: unknown[]) =>
    (writeSync as (...args: unknown[]) => number)(fd === 1 ? 2 : fd, ...rest)) as typeof fs.writeSync;
  const write = fs.write;
  fs.write = ((fd: number, ...rest: unknown[]) => (write as (...args: unknown[]) => void)(fd === 1 ? 2 : fd, ...rest)) as typeof fs.write;

  protocolStream = new Writable({
    write(chunk: Uint8Array, _encoding, callback: WriteCallback) {
      realWrite(chunk, callback);
    },
  });
  // A closed stdout (the client went away) must not crash the engine with EPIPE.
  stdout.on('error', () => process.exit(0));
  return protocolStream;
}
