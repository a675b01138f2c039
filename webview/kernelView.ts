/**
 * "Watch the kernel learn": how far the network moved away from a fixed kernel, said in words first, then
 * the numbers and the charts (alignment along training, pairwise values, heatmaps, same-class shares).
 */
import type { KernelViewState } from '../src/protocol';
import { append, el } from './dom';
import { num, percent } from './format';
import { alignmentCard, heatmapCard, initialVsFinalCard, pathVsFinalCard, sameClassCard } from './kernelPlots';

/** Below this relative change ‖K_T − K_0‖/‖K_0‖ the network behaved like a fixed kernel (the lazy regime). */
const LAZY = 0.1;

/** One plain sentence first: did training change what the network counts as similar, and so what explains it? */
export function kernelLead(state: KernelViewState): string {
  const change = percent(state.drift.relativeChange);
  return state.drift.relativeChange < LAZY
    ? `Training barely changed which rows this network treats as alike (by ${change}): its explanations rest on a similarity it had before it saw the data.`
    : `Training changed which rows this network treats as alike (by ${change}): its explanations rest on a similarity it learnt from the data.`;
}

/** The reading in words. */
export function kernelReading(state: KernelViewState): string[] {
  const { drift, alignment } = state;
  const moved =
    drift.relativeChange < LAZY
      ? `The network stayed close to a fixed kernel: its tangent kernel changed by only ${percent(drift.relativeChange)} of its size at initialization, so the explanations are close to those of a kernel machine fixed before training (the "lazy" regime of very wide networks).`
      : `The network moved away from a fixed kernel: its tangent kernel changed by ${percent(drift.relativeChange)} of its size at initialization (kernel distance ${num(drift.kernelDistance, 3)}, 0 = same shape). Training learned the similarity it explains with, rather than using one fixed in advance.`;
  const direction = alignment.final > alignment.initial ? 'rose' : alignment.final < alignment.initial ? 'fell' : 'stayed';
  const aligned = `Its agreement with the labels (kernel-target alignment) ${direction} from ${num(alignment.initial, 3)} at initialization to ${num(alignment.final, 3)} at the end; the path kernel, which the explanations use, has ${num(alignment.path, 3)}.`;
  const lines = [moved, aligned];
  if (state.meanSameClassShare !== null) {
    lines.push(
      `On average ${percent(state.meanSameClassShare)} of an explanation (by absolute contribution) comes from training rows of the predicted class.`,
    );
  }
  return lines;
}

export function kernelView(state: KernelViewState, width: number): HTMLElement {
  const root = el('div', { class: 'view kernel-view' });
  append(
    root,
    el(
      'header',
      { class: 'view-header' },
      el('h1', {}, 'Watch the kernel learn: ', el('span', { class: 'source-title' }, `“${state.runName}”`)),
      el('p', { class: 'subtitle' }, `${state.sampleSize} sampled training rows · computed in ${(state.ms / 1000).toFixed(1)} s`),
    ),
  );
  if (state.stale) {
    append(
      root,
      el(
        'div',
        { class: 'banner warning', role: 'status' },
        'The dataset changed since this run was trained: these kernels describe the data it was trained on.',
      ),
    );
  }
  append(
    root,
    el('p', { class: 'lead kernel-lead' }, kernelLead(state)),
    el(
      'section',
      { class: 'summary kernel-reading', 'aria-label': 'What this shows' },
      el('h2', {}, 'How far the network moved away from a fixed kernel'),
      ...kernelReading(state).map((line) => el('p', {}, line)),
    ),
    el(
      'dl',
      { class: 'facts kernel-facts' },
      el('dt', {}, 'Agreement with the labels at initialization'),
      el('dd', { class: 'alignment-initial' }, num(state.alignment.initial, 4)),
      el('dt', {}, 'Agreement with the labels at the end'),
      el('dd', { class: 'alignment-final' }, num(state.alignment.final, 4)),
      el('dt', {}, 'Agreement of the path kernel (the explanations’ own)'),
      el('dd', { class: 'alignment-path' }, num(state.alignment.path, 4)),
      el('dt', {}, 'How much the kernel changed, relative to its start'),
      el('dd', { class: 'relative-change' }, num(state.drift.relativeChange, 4)),
      el('dt', {}, 'How much its shape changed (0 = same shape)'),
      el('dd', { class: 'kernel-distance' }, num(state.drift.kernelDistance, 4)),
      el('dt', {}, 'Mean share of an explanation from the predicted class'),
      el('dd', { class: 'same-class-share' }, state.meanSameClassShare === null ? '—' : percent(state.meanSameClassShare)),
    ),
    el(
      'details',
      { class: 'formulas' },
      el('summary', {}, 'The formulas'),
      el(
        'ul',
        {},
        el('li', {}, 'Tangent kernel K_t(x, x′) = ∇f(x; w_t) · ∇f(x′; w_t), on the sampled training rows at step t.'),
        el('li', {}, 'Agreement with the labels: kernel-target alignment ⟨K, yyᵀ⟩_F / (‖K‖_F ‖yyᵀ‖_F).'),
        el('li', {}, 'Relative change ‖K_T − K_0‖_F / ‖K_0‖_F; shape change (kernel distance) 1 − cos(K_0, K_T).'),
        el('li', {}, 'Path kernel K^p(x, x′) = Σ_s η_s Φ_s(x) · ∇f(x′; w_s): the tangent kernel integrated along the training path.'),
      ),
    ),
    el(
      'section',
      { class: 'plots', 'aria-label': 'Charts' },
      el('h2', {}, 'Charts'),
      el(
        'div',
        { class: 'plot-grid' },
        alignmentCard(state, width),
        sameClassCard(state, width),
        initialVsFinalCard(state, width),
        pathVsFinalCard(state, width),
      ),
      heatmapCard(state, width),
    ),
  );
  return root;
}
