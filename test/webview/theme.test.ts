/** Light, dark and high-contrast: the page's colours follow the --vscode-* variables and body class. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ExplanationViewState } from '../../src/protocol';
import { fixture, openView, startHarness, type Harness, type ViewPage } from './harness';
import { themes, type ThemeName } from './themes';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
});

interface Colours {
  bodyBackground: string;
  bodyColor: string;
  supporterBar: string;
  opposerBar: string;
  link: string;
  identityBackground: string;
  cardBorder: string;
  axisText: string;
}

async function colours(view: ViewPage): Promise<Colours> {
  // A string expression: tsx would wrap a named helper in a function the page does not have.
  return view.page.evaluate(`(() => {
    const style = (selector) => {
      const node = document.querySelector(selector);
      if (!node) throw new Error('missing ' + selector);
      return getComputedStyle(node);
    };
    return {
      bodyBackground: style('body').backgroundColor,
      bodyColor: style('body').color,
      supporterBar: style('#plot-sorted g.pos rect').fill,
      opposerBar: style('#plot-sorted g.neg rect').fill,
      link: style('a.action-link').color,
      identityBackground: style('.identity').backgroundColor,
      cardBorder: style('.plot-card').borderTopColor,
      axisText: style('#plot-sorted svg').color,
    };
  })()`);
}

/** The browser's rgb() form of a theme colour, to compare with computed styles. */
async function rgb(view: ViewPage, colour: string): Promise<string> {
  return view.page.evaluate((c) => {
    const probe = document.createElement('span');
    probe.style.color = c;
    document.body.appendChild(probe);
    const value = getComputedStyle(probe).color;
    probe.remove();
    return value;
  }, colour);
}

describe('themes', () => {
  it('computed colours come from the theme variables and change with the body class', async () => {
    const view = await openView(harness, 'light');
    await view.send({ type: 'explanation', state: fixture<ExplanationViewState>('iris-explanation.json') });
    const seen = new Map<ThemeName, Colours>();
    for (const name of ['light', 'dark', 'high-contrast'] as ThemeName[]) {
      await view.setTheme(name);
      const c = await colours(view);
      const vars = themes[name].vars;
      seen.set(name, c);
      assert.equal(await view.page.evaluate(() => document.body.className), themes[name].bodyClass);
      assert.equal(c.bodyBackground, await rgb(view, vars['--vscode-editor-background']), `${name} background`);
      assert.equal(c.bodyColor, await rgb(view, vars['--vscode-foreground']), `${name} foreground`);
      assert.equal(c.axisText, await rgb(view, vars['--vscode-foreground']), `${name} chart text`);
      assert.equal(c.supporterBar, await rgb(view, vars['--vscode-charts-blue']), `${name} supporter bars`);
      assert.equal(c.opposerBar, await rgb(view, vars['--vscode-charts-orange']), `${name} opposer bars`);
      assert.equal(c.link, await rgb(view, vars['--vscode-textLink-foreground']), `${name} links`);
      if (name === 'high-contrast') assert.equal(c.cardBorder, await rgb(view, vars['--vscode-contrastBorder']), 'contrast borders');
      await view.screenshot(`theme-${name}`);
    }
    const [light, dark, hc] = [seen.get('light')!, seen.get('dark')!, seen.get('high-contrast')!];
    for (const key of ['bodyBackground', 'bodyColor', 'link', 'identityBackground'] as (keyof Colours)[]) {
      assert.notEqual(light[key], dark[key], `${key} differs light/dark`);
      assert.notEqual(dark[key], hc[key], `${key} differs dark/high contrast`);
    }
    assert.deepEqual(await view.violations(), []);
    assert.deepEqual(view.errors, []);
    await view.page.context().close();
  });
});
