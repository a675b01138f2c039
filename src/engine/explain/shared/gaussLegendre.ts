/** Gauss–Legendre nodes and weights on [0, 1] (weights sum to 1), by Newton's method on P_n. */
export function gaussLegendre(n: number): { nodes: number[]; weights: number[] } {
  const nodes: number[] = [];
  const weights: number[] = [];
  for (let i = 1; i <= n; i++) {
    let x = Math.cos((Math.PI * (i - 0.25)) / (n + 0.5));
    let derivative = 0;
    for (let iteration = 0; iteration < 100; iteration++) {
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      if (n === 1) {
        p1 = x;
        p0 = 1;
      }
      derivative = (n * (x * p1 - p0)) / (x * x - 1);
      const dx = p1 / derivative;
      x -= dx;
      if (Math.abs(dx) < 1e-15) break;
    }
    nodes.push((1 - x) / 2);
    weights.push(1 / ((1 - x * x) * derivative * derivative));
  }
  // Ascending nodes on [0, 1].
  const order = nodes.map((_, i) => i).sort((a, b) => nodes[a] - nodes[b]);
  return { nodes: order.map((i) => nodes[i]), weights: order.map((i) => weights[i]) };
}

/** The composite rule: `pieces` equal sub-segments with n nodes each. */
export function compositeGaussLegendre(n: number, pieces: number): { nodes: number[]; weights: number[] } {
  const base = gaussLegendre(n);
  const nodes: number[] = [];
  const weights: number[] = [];
  for (let p = 0; p < pieces; p++) {
    for (let k = 0; k < n; k++) {
      nodes.push((p + base.nodes[k]) / pieces);
      weights.push(base.weights[k] / pieces);
    }
  }
  return { nodes, weights };
}
