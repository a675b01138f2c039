/** The "Kernel Lens Engine" output channel (engine stderr and client events) plus the last lines for diagnostics. */
import * as vscode from 'vscode';

const KEEP_LINES = 500;

export class EngineLog implements vscode.Disposable {
  readonly channel: vscode.OutputChannel;
  private readonly recent: string[] = [];

  constructor() {
    this.channel = vscode.window.createOutputChannel('Kernel Lens Engine');
  }

  append(line: string): void {
    this.channel.appendLine(line);
    this.recent.push(line);
    if (this.recent.length > KEEP_LINES) this.recent.splice(0, this.recent.length - KEEP_LINES);
  }

  lastLines(count: number): string[] {
    return this.recent.slice(-count);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
