/** Checks messages from the webview before acting on them (pure, no VS Code): the page is not trusted blindly. */
import { TRAINING_NEXT_STEPS, type FromWebview, type OutputSelector } from '../../protocol';
import { LIMITS } from '../../protocol/limits';
import { isThemeVariable, REPORT_MAX_CHARS } from '../../shared/reportMarkup';

function isOutputSelector(value: unknown): value is OutputSelector {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.kind === 'default' || v.kind === 'margin' || (v.kind === 'class' && typeof v.class === 'string');
}

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isRunDir = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 4096;

export function isFromWebview(value: unknown): value is FromWebview {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'copyJson':
    case 'exportCsv':
    case 'pin':
    case 'cancelTraining':
      return true;
    case 'openRow':
      return typeof m.file === 'string' && (m.line === null || isIndex(m.line));
    case 'explainTraining':
      return isIndex(m.index);
    case 'switchOutput':
      return isOutputSelector(m.output);
    case 'requestTrace':
      return Array.isArray(m.indices) && m.indices.every(isIndex);
    case 'verify':
      return isIndex(m.k) && m.k <= LIMITS.verifyK.max;
    case 'nextStep':
      return (TRAINING_NEXT_STEPS as readonly unknown[]).includes(m.step);
    case 'exportReport':
      return (
        typeof m.body === 'string' &&
        m.body.length <= REPORT_MAX_CHARS &&
        typeof m.bodyClass === 'string' &&
        /^[\w -]{0,200}$/.test(m.bodyClass) &&
        typeof m.theme === 'object' &&
        m.theme !== null &&
        Object.entries(m.theme).every(([name, value]) => typeof value === 'string' && isThemeVariable(name, value))
      );
    case 'showRun':
      return isRunDir(m.runDir);
    case 'compareRow':
      return Array.isArray(m.runDirs) && m.runDirs.length === 2 && m.runDirs.every(isRunDir);
    case 'explainRow':
      return (m.split === 'train' || m.split === 'test') && isIndex(m.row);
    default:
      return false;
  }
}
