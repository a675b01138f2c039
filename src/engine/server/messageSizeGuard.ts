/**
 * Caps the size of one incoming JSON-RPC message before anything buffers it. vscode-jsonrpc's reader keeps every
 * byte of a message until its announced Content-Length has arrived, with no limit, so this stream sits between
 * stdin and that reader: it finds the frames itself (with the reader's own header rules), passes frames within the
 * limit through byte for byte, and drops a frame over the limit whole, skipping its body as it streams in (constant
 * memory). The reader never sees the dropped frame, so both stay in step and the next message is read normally.
 * A refused request is answered with an error when its id can be read from the first bytes of its body.
 *
 * What cannot be recovered: a header block with no end (there is no frame boundary to find again) and a length
 * no client could send; both end the stream (the server exits with the message). A client that announces more
 * bytes than it sends loses the messages that follow, as with any wrong Content-Length.
 */
import { Transform, type TransformCallback } from 'node:stream';

/** The largest message body (its Content-Length, in bytes) the engine reads. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** A header block longer than this without its blank line is not a header block. */
export const MAX_HEADER_BYTES = 8 * 1024;
/** Bytes at the start of a refused body searched for the request's id (vscode-jsonrpc writes it before params). */
const ID_PREFIX_BYTES = 512;

const CR = 13;
const LF = 10;

export interface MessageSizeGuardHandlers {
  /** One line for the engine's log on stderr. */
  log(line: string): void;
  /** Answers a refused request whose id was found. */
  refuse(id: number | string, message: string): void;
  /** The stream cannot be framed any more; nothing more is passed on. */
  fatal(message: string): void;
}

export function describeBytes(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${bytes} bytes (${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MB)`
    : `${bytes} bytes`;
}

/** The id of a request from the start of its JSON text, when only `jsonrpc` and `method` come before it. */
export function requestIdFromPrefix(prefix: string): number | string | null {
  const match = /^\s*\{\s*(?:"(?:jsonrpc|method)"\s*:\s*"[^"\\]*"\s*,\s*)*"id"\s*:\s*(-?\d{1,15}|"[^"\\]{0,200}")\s*[,}]/.exec(prefix);
  if (!match) return null;
  const raw = match[1];
  return raw.startsWith('"') ? raw.slice(1, -1) : Number(raw);
}

/** Content-Length as vscode-jsonrpc reads it (last header wins, keys case-insensitive, parseInt); null when it would refuse the header. */
function contentLength(header: Buffer): number | null {
  const lines = header.toString('ascii').split('\r\n');
  let value: string | undefined;
  for (let i = 0; i < lines.length - 2; i++) {
    const colon = lines[i].indexOf(':');
    if (colon === -1) return null;
    if (lines[i].slice(0, colon).toLowerCase() === 'content-length') value = lines[i].slice(colon + 1).trim();
  }
  if (!value) return null;
  const length = parseInt(value, 10);
  return Number.isNaN(length) ? null : length;
}

type State =
  | { kind: 'header' }
  | { kind: 'body'; remaining: number }
  | { kind: 'skip'; length: number; remaining: number; prefix: Buffer[]; prefixBytes: number; answered: boolean }
  | { kind: 'dead' };

export class MessageSizeGuard extends Transform {
  private state: State = { kind: 'header' };
  private header: Buffer[] = [];
  private headerBytes = 0;
  /** vscode-jsonrpc's CR LF CR LF scanner state (0..4), kept across chunks. */
  private scan = 0;

  constructor(
    private readonly handlers: MessageSizeGuardHandlers,
    private readonly limit = MAX_MESSAGE_BYTES,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let offset = 0;
    while (offset < chunk.length) {
      const state = this.state;
      if (state.kind === 'dead') break;
      if (state.kind === 'header') {
        offset = this.readHeader(chunk, offset);
        continue;
      }
      const n = Math.min(state.remaining, chunk.length - offset);
      const part = chunk.subarray(offset, offset + n);
      offset += n;
      state.remaining -= n;
      if (state.kind === 'body') {
        this.push(part);
        if (state.remaining === 0) this.state = { kind: 'header' };
        continue;
      }
      if (state.prefixBytes < ID_PREFIX_BYTES) {
        // A copy: the rest of the chunk is dropped and must not be kept alive by a view.
        const kept = Buffer.from(part.subarray(0, ID_PREFIX_BYTES - state.prefixBytes));
        state.prefix.push(kept);
        state.prefixBytes += kept.length;
      }
      if (!state.answered && (state.prefixBytes >= ID_PREFIX_BYTES || state.remaining === 0)) this.answer(state);
      if (state.remaining === 0) {
        this.handlers.log(`skipped the ${state.length} bytes of the refused message; reading the next one`);
        this.state = { kind: 'header' };
      }
    }
    done();
  }

  /** Scans header bytes from `offset`; at the blank line decides the frame. Returns where scanning stopped. */
  private readHeader(chunk: Buffer, offset: number): number {
    const start = offset;
    let complete = false;
    while (offset < chunk.length && !complete) {
      const byte = chunk[offset++];
      if (byte === CR) this.scan = this.scan === 0 ? 1 : this.scan === 2 ? 3 : 0;
      else if (byte === LF) this.scan = this.scan === 1 ? 2 : this.scan === 3 ? 4 : 0;
      else this.scan = 0;
      complete = this.scan === 4;
    }
    this.header.push(chunk.subarray(start, offset));
    this.headerBytes += offset - start;
    if (this.headerBytes > MAX_HEADER_BYTES) {
      this.die(
        `a message header grew past ${MAX_HEADER_BYTES} bytes without its blank line; the input cannot be split into messages any more`,
      );
      return chunk.length;
    }
    if (!complete) return offset;
    const header = Buffer.concat(this.header);
    this.header = [];
    this.headerBytes = 0;
    this.scan = 0;
    const length = contentLength(header);
    if (length === null) {
      // vscode-jsonrpc reports a header it cannot use and reads on from the next byte: so does this.
      this.push(header);
    } else if (length < 0) {
      this.handlers.log(`dropped a message header with the negative Content-Length ${length}`);
    } else if (length > this.limit) {
      if (!Number.isSafeInteger(length)) {
        this.die(
          `an incoming message announces ${length} bytes, over the limit of ${describeBytes(this.limit)} and more than can be skipped`,
        );
        return chunk.length;
      }
      this.handlers.log(
        `refusing an incoming message of ${describeBytes(length)}: over the limit of ${describeBytes(this.limit)}; skipping its body unread`,
      );
      this.state = { kind: 'skip', length, remaining: length, prefix: [], prefixBytes: 0, answered: false };
    } else {
      this.push(header);
      if (length > 0) this.state = { kind: 'body', remaining: length };
    }
    return offset;
  }

  private answer(state: Extract<State, { kind: 'skip' }>): void {
    state.answered = true;
    const id = requestIdFromPrefix(Buffer.concat(state.prefix).toString('utf8'));
    state.prefix = [];
    if (id === null) {
      this.handlers.log('the refused message names no request id at its start: no reply sent');
      return;
    }
    this.handlers.refuse(
      id,
      `The request is ${describeBytes(state.length)}, over the engine's limit of ${describeBytes(this.limit)} for one message; it was not read.`,
    );
  }

  private die(message: string): void {
    this.state = { kind: 'dead' };
    this.header = [];
    this.headerBytes = 0;
    this.handlers.fatal(message);
  }
}
