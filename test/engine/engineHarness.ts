/**
 * Test helpers for the real engine process: builds `dist/engine.js` when it is older than the
 * sources, spawns it with `--stdio`, and talks raw JSON-RPC through vscode-jsonrpc's stream reader
 * and writer (so tests can send any params, even malformed ones). No `vscode` import.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StreamMessageReader, StreamMessageWriter, type Message } from 'vscode-jsonrpc/node';

export const ROOT = path.join(__dirname, '..', '..');
export const ENGINE = path.join(ROOT, 'dist', 'engine.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds dist/engine.js with `node esbuild.js` if it is older than src/; falls back to building the engine alone. */
export function ensureEngineBuilt(): void {
  const sources = Math.max(
    newestSource(path.join(ROOT, 'src', 'engine')),
    newestSource(path.join(ROOT, 'src', 'protocol')),
    newestSource(path.join(ROOT, 'src', 'shared')),
  );
  if (fs.existsSync(ENGINE) && fs.statSync(ENGINE).mtimeMs >= sources) return;
  const full = spawnSync(process.execPath, ['esbuild.js'], { cwd: ROOT, encoding: 'utf8' });
  if (full.status === 0 && fs.existsSync(ENGINE) && fs.statSync(ENGINE).mtimeMs >= sources) return;
  // Another bundle (extension, webview) may be mid-edit by someone else; the engine alone is what these tests need.
  const script = `require('esbuild').buildSync({entryPoints:['src/engine/main.ts'],outfile:'dist/engine.js',bundle:true,platform:'node',format:'cjs',target:'node18',sourcemap:true,external:['@tensorflow/tfjs-node'],logLevel:'error'})`;
  const engineOnly = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  if (engineOnly.status !== 0) throw new Error(`building dist/engine.js failed:\n${full.stderr}\n${engineOnly.stderr}`);
  for (const file of fs
    .readdirSync(path.join(ROOT, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist'))
    .filter((f) => f.endsWith('.wasm'))) {
    fs.copyFileSync(path.join(ROOT, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist', file), path.join(ROOT, 'dist', file));
  }
}

export interface RpcError {
  code: number;
  message: string;
}

export interface RpcReply {
  result?: unknown;
  error?: RpcError;
}

interface ResponseMessage {
  id: number | string | null;
  result?: unknown;
  error?: RpcError;
}

export interface Notification {
  method: string;
  params: unknown;
}

export class RawEngine {
  readonly child: ChildProcess;
  private readonly writer: StreamMessageWriter;
  private nextId = 1;
  private readonly waiting = new Map<number | string, (reply: RpcReply) => void>();
  readonly notifications: Notification[] = [];
  /** Every byte the engine wrote to stdout, to check that it is nothing but protocol frames. */
  readonly stdoutChunks: Buffer[] = [];
  stderr = '';
  readonly readErrors: Error[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[] = [], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [ENGINE, '--stdio', ...args], {
      env: { ...process.env, KERNEL_LENS_ENGINE_DEBUG: '1', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout = this.child.stdout!;
    stdout.on('data', (chunk: Buffer) => this.stdoutChunks.push(chunk));
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString('utf8');
    });
    this.child.stdin!.on('error', () => undefined);
    const reader = new StreamMessageReader(stdout);
    reader.onError((error) => this.readErrors.push(error));
    reader.listen((message: Message) => this.onMessage(message));
    this.writer = new StreamMessageWriter(this.child.stdin!);
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal })));
  }

  private onMessage(message: Message): void {
    const m = message as Partial<ResponseMessage> & { method?: string; params?: unknown };
    if (m.method !== undefined && m.id === undefined) {
      this.notifications.push({ method: m.method, params: m.params });
      return;
    }
    if (m.id === undefined || m.id === null) return;
    const resolve = this.waiting.get(m.id);
    if (!resolve) return;
    this.waiting.delete(m.id);
    resolve({ result: m.result, error: m.error });
  }

  /** Sends a request with exactly these params (`omit` leaves the params member out). Returns its id and reply. */
  send(method: string, params?: unknown, omit = params === undefined): { id: number; reply: Promise<RpcReply> } {
    const id = this.nextId++;
    const reply = new Promise<RpcReply>((resolve) => this.waiting.set(id, resolve));
    const message: Record<string, unknown> = { jsonrpc: '2.0', id, method };
    if (!omit) message.params = params;
    void this.writer.write(message as unknown as Message);
    return { id, reply };
  }

  call(method: string, params?: unknown): Promise<RpcReply> {
    return this.send(method, params).reply;
  }

  async ok<T>(method: string, params?: unknown): Promise<T> {
    const reply = await this.call(method, params);
    if (reply.error) throw new Error(`${method} failed: ${reply.error.code} ${reply.error.message}`);
    return reply.result as T;
  }

  /** The reply to request `id`, for requests written by hand to `child.stdin`. */
  replyTo(id: number): Promise<RpcReply> {
    return new Promise<RpcReply>((resolve) => this.waiting.set(id, resolve));
  }

  /** Writes a hand-made frame (for JSON the writer cannot produce, e.g. 1e400). */
  sendRawText(id: number, body: string): Promise<RpcReply> {
    const reply = this.replyTo(id);
    const bytes = Buffer.from(body, 'utf8');
    this.child.stdin!.write(`Content-Length: ${bytes.length}\r\n\r\n`);
    this.child.stdin!.write(bytes);
    return reply;
  }

  cancel(id: number): void {
    void this.writer.write({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id } } as unknown as Message);
  }

  /** Splits everything written to stdout into Content-Length frames; throws if anything else is there. */
  stdoutFrames(): unknown[] {
    const all = Buffer.concat(this.stdoutChunks);
    const frames: unknown[] = [];
    let offset = 0;
    while (offset < all.length) {
      const headerEnd = all.indexOf('\r\n\r\n', offset);
      if (headerEnd < 0) throw new Error(`stray bytes on stdout: ${JSON.stringify(all.subarray(offset, offset + 80).toString())}`);
      const header = all.subarray(offset, headerEnd).toString('ascii');
      const match = /^Content-Length: (\d+)$/m.exec(header);
      if (!match || !/^(Content-(Length|Type): [^\r\n]+\r?\n?)+$/.test(header.replace(/\r\n/g, '\n') + '\n')) {
        throw new Error(`stray bytes on stdout: ${JSON.stringify(header.slice(0, 80))}`);
      }
      const start = headerEnd + 4;
      const length = Number(match[1]);
      frames.push(JSON.parse(all.subarray(start, start + length).toString('utf8')) as unknown);
      offset = start + length;
    }
    return frames;
  }

  async shutdown(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await Promise.race([this.call('engine/shutdown'), new Promise((r) => setTimeout(r, 3000))]);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(timer);
  }
}

export const IRIS_EXPERIMENT = {
  dataset: { train: 'iris.csv', target: 'species', test: { fraction: 0.2 } },
  model: { hidden: [{ units: 8, activation: 'tanh' }] },
  training: { optimizer: 'adam', learningRate: 0.01, epochs: 5, batchSize: 16, seed: 1 },
};

/** A temp folder holding a workspace (`ws`, with iris.csv and iris.kernel.json) and an `outside` folder beside it. */
export function makeWorkspace(experiment: object = IRIS_EXPERIMENT): { root: string; ws: string; outside: string; experimentFile: string } {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kl-engine-')));
  const ws = path.join(root, 'ws');
  const outside = path.join(root, 'outside');
  fs.mkdirSync(ws);
  fs.mkdirSync(outside);
  fs.copyFileSync(path.join(ROOT, 'samples', 'iris.csv'), path.join(ws, 'iris.csv'));
  const experimentFile = path.join(ws, 'iris.kernel.json');
  fs.writeFileSync(experimentFile, JSON.stringify(experiment, null, 2));
  return { root, ws, outside, experimentFile };
}

/** Every file under `dir` with its content and mtime, to prove nothing there changed. */
export function snapshot(dir: string): Map<string, string> {
  const result = new Map<string, string>();
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) result.set(full, `${fs.statSync(full).mtimeMs}:${fs.readFileSync(full, 'base64')}`);
      else result.set(full, 'other');
    }
  };
  walk(dir);
  return result;
}

export function runJsonFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    if (!fs.existsSync(d)) return;
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === 'run.json') found.push(full);
    }
  };
  walk(dir);
  return found;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
