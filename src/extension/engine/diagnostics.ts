/** The text "Copy Diagnostics" puts on the clipboard for bug reports (pure, so it can be tested). */
import type { EngineInfo } from '../../protocol';
import type { EngineState } from './engineConnection';

export interface DiagnosticsInput {
  extensionVersion: string;
  editorVersion: string;
  platform: string;
  state: EngineState;
  info: EngineInfo | null;
  settings: { backend: string; nodePath: string; memoryBudgetMb: number };
  nativeInstalled: boolean;
  logLines: string[];
}

export function formatDiagnostics(d: DiagnosticsInput): string {
  const info = d.info;
  return [
    '## Kernel Lens diagnostics',
    `- Kernel Lens ${d.extensionVersion}, editor ${d.editorVersion}, ${d.platform}`,
    `- Engine state: ${d.state}`,
    info ? `- Engine ${info.version}, Node.js ${info.node}, pid ${info.pid}` : '- Engine: not running',
    info ? `- Backend: ${info.backend} (available: ${info.backendsAvailable.join(', ')})` : '- Backend: unknown',
    info?.backendNote ? `- Backend note: ${info.backendNote}` : null,
    `- Settings: backend=${d.settings.backend}, nodePath=${d.settings.nodePath || "(editor's runtime)"}, memoryBudgetMb=${d.settings.memoryBudgetMb}`,
    `- Native backend installed: ${d.nativeInstalled ? 'yes' : 'no'}`,
    '',
    `### Last ${d.logLines.length} engine log lines`,
    '```',
    ...d.logLines,
    '```',
  ]
    .filter((line): line is string => line !== null)
    .join('\n');
}
