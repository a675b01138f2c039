/**
 * The engine's cap on one incoming message (src/engine/server/messageSizeGuard.ts): frames within the limit reach
 * vscode-jsonrpc's own reader unchanged however the bytes are split, a frame over the limit is dropped whole
 * without being kept, and a header with no end stops the stream.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { StreamMessageReader, type Message } from 'vscode-jsonrpc/node';
import { MAX_HEADER_BYTES, MAX_MESSAGE_BYTES, MessageSizeGuard, requestIdFromPrefix } from '../../src/engine/server/messageSizeGuard';
import { waitFor } from '../helpers/waitFor';

const LIMIT = 200;

function frame(body: string, header = 'Content-Length'): Buffer {
  const bytes = Buffer.from(body, 'utf8');
  return Buffer.concat([Buffer.from(`${header}: ${bytes.length}\r\n\r\n`, 'ascii'), bytes]);
}

function request(id: number | string, padTo = 0): string {
  const base = { jsonrpc: '2.0', id, method: 'engine/info', params: { pad: '' } };
  const size = JSON.stringify(base).length;
  return JSON.stringify({ ...base, params: { pad: 'x'.repeat(Math.max(0, padTo - size)) } });
}

interface Outcome {
  passed: Buffer;
  logs: string[];
  refused: { id: number | string; message: string }[];
  fatal: string[];
}

/** Runs bytes through a guard in the given chunk sizes (cycled) and collects what comes out. */
async function guard(input: Buffer, chunkSizes: number[], limit = LIMIT): Promise<Outcome> {
  const outcome: Outcome = { passed: Buffer.alloc(0), logs: [], refused: [], fatal: [] };
  const g = new MessageSizeGuard(
    {
      log: (l) => outcome.logs.push(l),
      refuse: (id, message) => outcome.refused.push({ id, message }),
      fatal: (m) => outcome.fatal.push(m),
    },
    limit,
  );
  const out: Buffer[] = [];
  g.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = new Promise((resolve) => g.on('end', resolve));
  let offset = 0;
  for (let i = 0; offset < input.length; i++) {
    const n = chunkSizes[i % chunkSizes.length];
    g.write(input.subarray(offset, offset + n));
    offset += n;
  }
  g.end();
  await ended;
  outcome.passed = Buffer.concat(out);
  return outcome;
}

/** The messages vscode-jsonrpc's reader gets from these bytes. */
async function readMessages(bytes: Buffer): Promise<Message[]> {
  const stream = new PassThrough();
  const reader = new StreamMessageReader(stream);
  const messages: Message[] = [];
  const errors: Error[] = [];
  reader.onError((e) => errors.push(e));
  reader.listen((m) => messages.push(m));
  stream.end(bytes);
  // The reader decodes asynchronously: wait for one message per frame header in the bytes.
  const frames = bytes.toString('latin1').match(/content-length:/gi)?.length ?? 0;
  await waitFor(() => messages.length >= frames || errors.length > 0, { what: `${frames} messages`, timeoutMs: 10_000, intervalMs: 5 });
  reader.dispose();
  assert.deepEqual(errors, []);
  return messages;
}

test('frames within the limit pass through byte for byte, however the input is split', async () => {
  const messagesPart = Buffer.concat([
    frame(request(1)),
    frame(request(2, LIMIT), 'content-length'),
    Buffer.from(`Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n`),
    frame(request('three')),
  ]);
  // An empty body is a frame too (vscode-jsonrpc then reports bad JSON, so it is left out of the reading below).
  const input = Buffer.concat([messagesPart, frame(''), frame(request(4))]);
  for (const sizes of [[1], [2], [3, 7], [64], [input.length]]) {
    const out = await guard(input, sizes);
    assert.deepEqual(out.passed, input, `chunks of ${sizes.join(',')}`);
    assert.deepEqual(out.logs, []);
  }
  const messages = await readMessages((await guard(messagesPart, [5])).passed);
  assert.deepEqual(
    messages.map((m) => (m as { id?: unknown }).id),
    [1, 2, 'three'],
  );
});

test('a frame over the limit is dropped whole and answered by id; the frames around it still reach the reader', async () => {
  const big = frame(request(7, LIMIT + 1));
  assert.equal(big.length - big.indexOf('\r\n\r\n') - 4, LIMIT + 1);
  const input = Buffer.concat([frame(request(6)), big, frame(request(8, LIMIT))]);
  for (const sizes of [[1], [5, 11], [4096]]) {
    const out = await guard(input, sizes);
    const messages = await readMessages(out.passed);
    assert.deepEqual(
      messages.map((m) => (m as { id?: unknown }).id),
      [6, 8],
      `chunks of ${sizes.join(',')}`,
    );
    assert.equal(out.refused.length, 1);
    assert.equal(out.refused[0].id, 7);
    assert.match(out.refused[0].message, /The request is 201 bytes, over the engine's limit of 200 bytes/);
    assert.match(out.logs[0], /refusing an incoming message of 201 bytes: over the limit of 200 bytes; skipping its body unread/);
    assert.match(out.logs[1], /skipped the 201 bytes of the refused message/);
    assert.deepEqual(out.fatal, []);
  }
});

test('a refused notification, or a body whose id is not at its start, gets no reply but is still skipped', async () => {
  const notification = JSON.stringify({ jsonrpc: '2.0', method: '$/x', params: { pad: 'y'.repeat(LIMIT) } });
  const idLast = JSON.stringify({ jsonrpc: '2.0', method: 'engine/info', params: { pad: 'y'.repeat(LIMIT) }, id: 9 });
  const out = await guard(Buffer.concat([frame(notification), frame(idLast), frame(request(10))]), [13]);
  assert.deepEqual(out.refused, []);
  assert.equal(out.logs.filter((l) => /names no request id/.test(l)).length, 2);
  assert.deepEqual(
    (await readMessages(out.passed)).map((m) => (m as { id?: unknown }).id),
    [10],
  );
});

test('a header vscode-jsonrpc cannot use is passed on for it to report, a negative length is dropped', async () => {
  const noLength = Buffer.from('X-Other: 1\r\n\r\n');
  const out = await guard(Buffer.concat([noLength, frame(request(1))]), [3]);
  assert.deepEqual(out.passed, Buffer.concat([noLength, frame(request(1))]));
  const negative = await guard(Buffer.concat([Buffer.from('Content-Length: -5\r\n\r\n'), frame(request(2))]), [100]);
  assert.deepEqual(negative.passed, frame(request(2)));
  assert.match(negative.logs[0], /negative Content-Length -5/);
});

test('a header block with no end, or a length no client could send, stops the stream with one message', async () => {
  const endless = await guard(
    Buffer.concat([frame(request(1)), Buffer.alloc(MAX_HEADER_BYTES + 10, 'a'.charCodeAt(0)), frame(request(2))]),
    [1000],
  );
  assert.deepEqual(await readMessages(endless.passed), [JSON.parse(request(1)) as Message]);
  assert.equal(endless.fatal.length, 1);
  assert.match(endless.fatal[0], new RegExp(`header grew past ${MAX_HEADER_BYTES} bytes without its blank line`));
  const absurd = await guard(Buffer.from('Content-Length: 99999999999999999999\r\n\r\n{}'), [8], MAX_MESSAGE_BYTES);
  assert.equal(absurd.passed.length, 0);
  assert.match(absurd.fatal[0], /announces 100000000000000000000 bytes, over the limit of 67108864 bytes \(64 MB\)/);
});

test('request ids are read from the start of a body only where jsonrpc and method may precede them', () => {
  assert.equal(requestIdFromPrefix('{"jsonrpc":"2.0","id":12,"method":"x","params":{'), 12);
  assert.equal(requestIdFromPrefix(' { "id" : "a-1" , "method":"x"'), 'a-1');
  assert.equal(requestIdFromPrefix('{"method":"x","jsonrpc":"2.0","id":-3}'), -3);
  assert.equal(requestIdFromPrefix('{"params":{"id":4},"id":5}'), null);
  assert.equal(requestIdFromPrefix('{"jsonrpc":"2.0","method":"x","params":{}'), null);
  assert.equal(requestIdFromPrefix('{"id":12'), null, 'an id cut off by the prefix is not trusted');
});
