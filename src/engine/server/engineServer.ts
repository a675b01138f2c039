/**
 * The engine's JSON-RPC server over stdio: dispatches every request through its schema and the
 * workspace guard, maps each request's cancellation to an AbortSignal, logs method and time.
 */
import { pipeline, type Writable } from 'node:stream';
import { ErrorCodes, ResponseError, type CancellationToken, type ResponseMessage } from 'vscode-jsonrpc';
import { StreamMessageReader, StreamMessageWriter, createMessageConnection, type MessageConnection } from 'vscode-jsonrpc/node';
import { EngineErrorCodes, EngineMethods, type ExplainProgress, type TrainProgress } from '../../protocol';
import type { EngineFlags } from './engineFlags';
import { EngineSession } from './engineSession';
import { handlers, type HandlerContext } from './handlers';
import { logLine, printable } from './log';
import { MessageSizeGuard } from './messageSizeGuard';
import { RequestError, notInitialized, toResponseError } from './requestError';
import { parseParams } from './parseParams';

export function startServer(flags: EngineFlags, protocolOut: Writable): MessageConnection {
  const writer = new StreamMessageWriter(protocolOut);
  // Oversized messages are dropped here, before vscode-jsonrpc's reader would buffer them (messageSizeGuard.ts).
  const input = new MessageSizeGuard({
    log: (line) => logLine(line),
    refuse: (id, message) => {
      const reply: ResponseMessage = { jsonrpc: '2.0', id, error: { code: ErrorCodes.InvalidRequest, message } };
      void writer.write(reply).catch(() => undefined);
    },
    fatal: (message) => {
      logLine(message);
      exit(1);
    },
  });
  pipeline(process.stdin, input, (error) => {
    if (error) logLine(`stdin: ${printable(error.message, 300)}`);
  });
  const connection = createMessageConnection(new StreamMessageReader(input), writer, {
    error: (message) => logLine(`jsonrpc: ${message}`),
    warn: (message) => logLine(`jsonrpc: ${message}`),
    info: () => undefined,
    log: () => undefined,
  });
  const session = new EngineSession(flags);
  let exiting = false;

  function exit(code: number): void {
    if (exiting) return;
    exiting = true;
    logLine(`exiting (${code})`);
    // Let the last response leave the pipe before the process ends.
    setTimeout(() => process.exit(code), 50);
  }

  const sendProgress = (progress: TrainProgress): void => {
    void connection.sendNotification(EngineMethods.progress, progress).catch(() => undefined);
  };
  const sendExplainProgress = (progress: ExplainProgress): void => {
    void connection.sendNotification(EngineMethods.explainProgress, progress).catch(() => undefined);
  };

  async function dispatch(method: string, rawParams: unknown, token: CancellationToken): Promise<unknown> {
    const started = Date.now();
    const name = printable(method, 80);
    const controller = new AbortController();
    const cancel = token.onCancellationRequested(() => controller.abort());
    if (token.isCancellationRequested) controller.abort();
    session.inFlight.add(controller);
    let outcome = 'ok';
    try {
      const entry = handlers.get(method);
      if (!entry) throw new ResponseError(ErrorCodes.MethodNotFound, `Unknown method "${name}".`);
      if (session.shuttingDown && method !== EngineMethods.info.method) {
        throw new RequestError(EngineErrorCodes.notInitialized, 'The engine is shutting down.');
      }
      if (!entry.beforeInit && !session.initialized) throw notInitialized(name);
      const params = parseParams(entry.schema, rawParams, name);
      const ctx: HandlerContext = { session, signal: controller.signal, sendProgress, sendExplainProgress, requestExit: () => exit(0) };
      return await entry.run(params, ctx);
    } catch (error) {
      const response = toResponseError(error, name);
      outcome = `error ${response.code}: ${printable(response.message, 200)}`;
      throw response;
    } finally {
      cancel.dispose();
      session.inFlight.delete(controller);
      logLine(`${name} ${Date.now() - started} ms ${outcome}`);
    }
  }

  connection.onRequest((method, params, token) => dispatch(method, params, token));
  connection.onNotification((method) => {
    if (method !== '$/cancelRequest' && method !== '$/setTrace') logLine(`ignored notification ${printable(method, 80)}`);
  });
  connection.onError(([error]) => logLine(`protocol error: ${printable(error.message, 300)}`));
  // The client closed our stdin (it stopped or died): cancel work and leave.
  connection.onClose(() => {
    for (const controller of session.inFlight) controller.abort();
    exit(0);
  });
  connection.listen();
  logLine(`serving JSON-RPC on stdio (pid ${process.pid}, Node ${process.version})`);
  return connection;
}
