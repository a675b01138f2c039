#!/usr/bin/env python3
"""A straightforward vectorized float32 NumPy implementation of the engine's exact computation, for `npm run bench`.

Explains every test row of a run with the full path stored (layout `full`, e.g. W1 trained with --checkpoint-every 1):
for each step, newest first, the query side Phi_s(x) by 3-node Gauss-Legendre quadrature along the step (all rows at
once: forward and backward at the interpolated weights), the optimizer's reverse sweep (Adam: U_r = eta_r D_r * Phi_r
+ beta1 U_{r+1}, D_r from the recorded second moment), and the contraction with the step's per-example gradients, formed
from the stored path index (a, delta per layer) and multiplied in one matrix product U [Q, P] @ G^T [P, B].
No kink-aware refinement (tanh networks need none). Prints one JSON object: the time, the rows, and the largest
relative residual |f(w_T) - f(w_0) - sum c| / max(|f(w_T) - f(w_0)|, 0.01).

Usage: python3 scripts/bench-numpy.py RUN_DIR
"""
import json
import os
import sys
import time

try:
    import numpy as np
except ImportError:  # the bench says so and goes on
    print(json.dumps({"skipped": "numpy is not installed"}))
    sys.exit(0)

ACT = {
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(np.float32)),
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: (1 / (1 + np.exp(-z))) * (1 - 1 / (1 + np.exp(-z)))),
    "linear": (lambda z: z, lambda z: np.ones_like(z)),
}


def main(run):
    record = json.load(open(os.path.join(run, "run.json")))
    if record.get("pathLayout", "full") != "full":
        print(json.dumps({"skipped": "the run is not stored in the full layout"}))
        return
    f32 = np.float32
    W = np.load(os.path.join(run, "path", "weights.npy"))
    V = np.load(os.path.join(run, "path", "adam_v.npy"))
    batches = np.load(os.path.join(run, "path", "batches.npy"))
    lr = np.load(os.path.join(run, "path", "lr.npy"))
    X = np.load(os.path.join(run, "data", "test_x.npy"))
    T, P = V.shape
    N = record["trainRows"]
    opt = record["optimizer"]
    b1, b2, eps = f32(opt["beta1"]), f32(opt["beta2"]), f32(opt["epsilon"])
    entries = record["layout"]
    layers = []  # (kernel offset, in, out, bias offset, activation)
    for k in range(0, len(entries), 2):
        kin, kout = entries[k]["shape"]
        layers.append((entries[k]["offset"], kin, kout, entries[k + 1]["offset"], entries[k]["activation"]))
    A = [np.load(os.path.join(run, "index", f"layer{l}_a.npy")) for l in range(len(layers))]
    D = [np.load(os.path.join(run, "index", f"layer{l}_delta.npy")) for l in range(len(layers))]

    def forward(w, x):
        a, inputs, zs = x, [], []
        for off, i, o, boff, act in layers:
            inputs.append(a)
            z = a @ w[off : off + i * o].reshape(i, o) + w[boff : boff + o]
            zs.append(z)
            a = ACT[act][0](z)
        return a, inputs, zs

    def gradient(w, x, e):
        """Phi contribution of the explained output e^T f at w for all rows: [Q, P]."""
        _, inputs, zs = forward(w, x)
        g = np.zeros((x.shape[0], P), dtype=f32)
        delta = e
        for l in range(len(layers) - 1, -1, -1):
            off, i, o, boff, act = layers[l]
            delta = delta * ACT[act][1](zs[l])
            g[:, off : off + i * o] = (inputs[l][:, :, None] * delta[:, None, :]).reshape(-1, i * o)
            g[:, boff : boff + o] = delta
            if l > 0:
                delta = delta @ w[off : off + i * o].reshape(i, o).T
        return g

    started = time.perf_counter()
    out_T = forward(W[T], X)[0]
    e = np.zeros_like(out_T)
    e[np.arange(len(X)), out_T.argmax(1)] = 1
    nodes, weights = np.polynomial.legendre.leggauss(3)
    nodes, weights = ((nodes + 1) / 2).astype(f32), (weights / 2).astype(f32)
    powers1 = np.cumprod(np.full(T, b1, dtype=f32)).astype(f32)
    powers2 = np.cumprod(np.full(T, b2, dtype=f32)).astype(f32)
    carry = np.zeros((len(X), P), dtype=f32)
    contributions = np.zeros((len(X), N), dtype=np.float64)
    for r in range(T - 1, -1, -1):
        w0, dw = W[r], W[r + 1] - W[r]
        phi = sum(wt * gradient(w0 + t * dw, X, e) for t, wt in zip(nodes, weights))
        diag = 1 / ((1 - powers1[r]) * (np.sqrt(V[r] / (1 - powers2[r])) + eps))
        carry = lr[r] * diag * phi + b1 * carry
        rows = batches[r]
        used = rows >= 0
        G = np.zeros((used.sum(), P), dtype=f32)
        for l, (off, i, o, boff, act) in enumerate(layers):
            a, d = A[l][r][used], D[l][r][used]
            G[:, off : off + i * o] = (a[:, :, None] * d[:, None, :]).reshape(-1, i * o)
            G[:, boff : boff + o] = d
        terms = carry @ G.T
        contributions[:, rows[used]] += -(1 - b1) / used.sum() * terms
    elapsed = time.perf_counter() - started
    f0 = (forward(W[0], X)[0] * e).sum(1)
    fT = (out_T * e).sum(1)
    residual = np.abs(fT - f0 - contributions.sum(1)) / np.maximum(np.abs(fT - f0), 0.01)
    print(json.dumps({"seconds": round(elapsed, 3), "rows": len(X), "steps": int(T), "parameters": int(P),
                      "maxRelResidual": float(residual.max()), "numpy": np.__version__}))


if __name__ == "__main__":
    main(sys.argv[1])
