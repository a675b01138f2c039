/**
 * A tiny element builder. Every string child becomes a Text node, so dataset text (cells, labels, file
 * names) can never be parsed as HTML: there is deliberately no way to set innerHTML here.
 */
export type Child = Node | string | number | null | undefined | false;

export type Attrs = Record<string, string | number | boolean | null | undefined>;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  append(node, ...children);
  return node;
}

/** Custom elements (vscode-elements) by tag name. */
export function custom(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  append(node, ...children);
  return node;
}

function setAttrs(node: Element, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
}

export function append(node: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/** Runs `action` on click and on Enter/Space, for elements that are not natively activatable. */
export function onActivate(node: HTMLElement, action: (event: Event) => void): void {
  node.addEventListener('click', action);
  node.addEventListener('keydown', (event) => {
    if (event.target !== node) return;
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      action(event);
    }
  });
}

/** A link-styled anchor that runs `action` instead of navigating (webviews must not navigate). */
export function actionLink(text: string, label: string, action: () => void): HTMLAnchorElement {
  const link = el('a', { href: '#', class: 'action-link', 'aria-label': label, title: label }, text);
  link.addEventListener('click', (event) => {
    event.preventDefault();
    action();
  });
  return link;
}
