/**
 * The cap on one incoming JSON-RPC message, against the real engine process: a request over MAX_MESSAGE_BYTES is
 * refused before its body is buffered (the engine's peak memory barely moves), answered with an error naming its
 * size and the limit, logged on stderr, and the next request is served; a header that never ends stops the engine
 * with one clear line.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { MAX_HEADER_BYTES, MAX_MESSAGE_BYTES } from '../../src/engine/server/messageSizeGuard';
import { RawEngine, delay, ensureEngineBuilt } from './engineHarness';

const INVALID_REQUEST = -32600;

/** A request for engine/info padded with a string param to exactly `bytes` bytes of JSON. */
function paddedRequest(id: number, bytes: number): string {
  const empty = JSON.stringify({ jsonrpc: '2.0', id, method: 'engine/info', params: { pad: '' } });
  const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'engine/info', params: { pad: 'x'.repeat(bytes - empty.length) } });
  assert.equal(Buffer.byteLength(body), bytes);
  return body;
}

/** The process's peak resident set (VmHWM) in MB, from /proc. */
function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(match, 'VmHWM in /proc/<pid>/status');
  return Number(match[1]) / 1024;
}

let engine: RawEngine;
before(() => {
  ensureEngineBuilt();
  engine = new RawEngine();
});
after(async () => {
  await engine?.shutdown();
});

test('a request over the limit is refused unread and the engine serves the next one', async () => {
  await engine.ok('engine/info');
  const size = MAX_MESSAGE_BYTES + 1024;
  const peakBefore = peakRssMb(engine.child.pid!);
  const started = Date.now();
  const reply = await engine.sendRawText(5001, paddedRequest(5001, size));
  assert.ok(reply.error, `expected an error, got ${JSON.stringify(reply.result)}`);
  assert.equal(reply.error.code, INVALID_REQUEST);
  assert.match(
    reply.error.message,
    new RegExp(`The request is ${size} bytes \\(64\\.0 MB\\), over the engine's limit of ${MAX_MESSAGE_BYTES} bytes \\(64 MB\\)`),
  );
  // The next request after the refused one is answered.
  const info = await engine.ok<{ pid: number }>('engine/info');
  assert.equal(info.pid, engine.child.pid);
  const ms = Date.now() - started;
  assert.match(
    engine.stderr,
    new RegExp(`refusing an incoming message of ${size} bytes \\(64\\.0 MB\\): over the limit of ${MAX_MESSAGE_BYTES} bytes \\(64 MB\\)`),
  );
  assert.match(engine.stderr, new RegExp(`skipped the ${size} bytes of the refused message`));
  // Buffering the body, as vscode-jsonrpc's reader alone does, grew the peak by 256 MB here (bytes, string, parse);
  // skipping it leaves only stdin's read buffers awaiting garbage collection (about 30 MB).
  const grown = peakRssMb(engine.child.pid!) - peakBefore;
  assert.ok(grown < 96, `peak RSS grew by ${grown.toFixed(0)} MB while a ${(size / 2 ** 20).toFixed(0)} MB message went by (${ms} ms)`);
});

test('a refused body that arrives in pieces, with the next request in the same write as its tail', async () => {
  const size = MAX_MESSAGE_BYTES + 1;
  const body = Buffer.from(paddedRequest(5002, size));
  const refused = engine.replyTo(5002);
  const served = engine.replyTo(5003);
  const stdin = engine.child.stdin!;
  stdin.write(`Content-Length: ${size}\r\n\r\n`);
  stdin.write(body.subarray(0, 100));
  await delay(50);
  stdin.write(body.subarray(100, size - 10));
  await delay(50);
  const next = Buffer.from('{"jsonrpc":"2.0","id":5003,"method":"engine/info"}');
  stdin.write(Buffer.concat([body.subarray(size - 10), Buffer.from(`Content-Length: ${next.length}\r\n\r\n`), next]));
  const r = await refused;
  assert.equal(r.error?.code, INVALID_REQUEST);
  const info = await served;
  assert.equal(info.error, undefined, JSON.stringify(info.error));
  assert.equal((info.result as { pid: number }).pid, engine.child.pid);
  assert.equal(engine.readErrors.length, 0);
});

test('a header that never ends stops the engine with one clear line', async () => {
  const doomed = new RawEngine();
  try {
    await doomed.ok('engine/info');
    doomed.child.stdin!.write(Buffer.alloc(MAX_HEADER_BYTES + 100, 'a'.charCodeAt(0)));
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([doomed.exited, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 10_000)))]);
    clearTimeout(timer);
    assert.ok(exit, 'the engine exited');
    assert.equal(exit.code, 1);
    assert.match(doomed.stderr, new RegExp(`a message header grew past ${MAX_HEADER_BYTES} bytes without its blank line`));
  } finally {
    if (doomed.child.exitCode === null) doomed.child.kill('SIGKILL');
  }
});
