/** Previous / Next buttons around a page label: the one pager of the webview's long tables. */
import { append, custom, el } from './dom';

export interface PagerOptions {
  page: number;
  pages: number;
  /** Names the pages for screen readers, e.g. "supporters" → "Previous supporters page". */
  what?: string;
  label: string;
  liveLabel?: boolean;
  onPage: (page: number) => void;
}

/** Fills `pager` with the buttons for `options.page` of `options.pages`. */
export function renderPager(pager: HTMLElement, options: PagerOptions): void {
  const { page, pages, what, onPage } = options;
  const name = what ? `${what} page` : 'page';
  const prev = custom('vscode-button', { secondary: true, 'aria-label': `Previous ${name}`, disabled: page === 0 }, 'Previous');
  const next = custom('vscode-button', { secondary: true, 'aria-label': `Next ${name}`, disabled: page >= pages - 1 }, 'Next');
  prev.addEventListener('click', () => {
    if (page > 0) onPage(page - 1);
  });
  next.addEventListener('click', () => {
    if (page < pages - 1) onPage(page + 1);
  });
  const info = el('span', options.liveLabel ? { class: 'page-info', 'aria-live': 'polite' } : { class: 'page-info' }, options.label);
  append(pager, prev, info, next);
}
