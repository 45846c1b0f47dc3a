#!/usr/bin/env python3
"""How well do float32 weights compress: raw vs zlib-9 vs byte-shuffle + zlib-9 (FORMAT.md §4).

    python3 Tools/measure_compression.py [--models /tmp/bench-data/models] [--data DIR]
                                         [--epochs 30] [--per-tensor]

Measures
  1. the anchor models' weights (<name>.npz in --models; random He-init, not trained), and
  2. a digits MLP 64-128-64-10 (relu, softmax) trained here with numpy: minibatch SGD with
     momentum, cross-entropy, pixels / 16, on <data>/digits_train.csv; fixed seed, so the
     numbers are reproducible on one machine (BLAS summation order may differ elsewhere).

For each tensor: raw bytes, zlib level 9 of the raw bytes, zlib level 9 of the byte-shuffled
bytes, and the ratios to raw; then totals per model and what the nnz writer policy stores
(shuffle + Huffman-only zlib when shorter than raw, else raw; FORMAT.md §4).
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nnz  # noqa: E402


def sizes(values: np.ndarray) -> tuple:
    raw = np.ascontiguousarray(values, dtype="<f4").tobytes()
    plain = len(zlib.compress(raw, 9))
    shuffled = len(zlib.compress(nnz.shuffle(raw, 4), 9))
    policy = len(nnz.zlib_compress(nnz.shuffle(raw, 4)))   # the writer's Huffman-only stream
    return len(raw), plain, shuffled, policy


def report(title: str, tensors: dict, per_tensor: bool) -> tuple:
    totals = np.zeros(4, dtype=np.int64)      # raw, zlib, shuffle+zlib, writer policy
    if per_tensor:
        print(f"  {'tensor':<24} {'shape':<16} {'raw':>9} {'zlib-9':>9} {'ratio':>6} "
              f"{'shuf+zlib':>9} {'ratio':>6}")
    for name, values in tensors.items():
        raw, plain, shuffled, policy = sizes(values)
        totals += (raw, plain, shuffled, policy if policy < raw else raw)
        if per_tensor:
            print(f"  {name:<24} {str(list(values.shape)):<16} {raw:>9} {plain:>9} "
                  f"{plain / raw:>6.3f} {shuffled:>9} {shuffled / raw:>6.3f}")
    raw, plain, shuffled, policy = (int(t) for t in totals)
    print(f"  {title:<24} {'total':<16} {raw:>9} {plain:>9} {plain / raw:>6.3f} {shuffled:>9} "
          f"{shuffled / raw:>6.3f}   writer policy (shuffle + Huffman-only) {policy} ({policy / raw:.3f}); "
          f"shuffle saves {1 - shuffled / plain:.1%} vs zlib alone")
    return raw, plain, shuffled


def load_digits(path: str) -> tuple:
    header, rows = nnz.read_csv(path)
    return (rows[:, :64] / 16.0).astype(np.float32), rows[:, 64].astype(np.int64)


def train_digits_mlp(data_dir: str, epochs: int, seed: int = 0) -> tuple:
    """64-128-64-10 relu MLP, softmax cross-entropy, SGD + momentum, batch 32."""
    x_train, y_train = load_digits(os.path.join(data_dir, "digits_train.csv"))
    x_test, y_test = load_digits(os.path.join(data_dir, "digits_test.csv"))
    rng = np.random.default_rng(seed)
    sizes_ = [64, 128, 64, 10]
    weights = [rng.standard_normal((i, o)) * np.sqrt(2.0 / i) for i, o in zip(sizes_, sizes_[1:])]
    biases = [np.zeros(o) for o in sizes_[1:]]
    velocity = [np.zeros_like(p) for p in weights + biases]
    lr, momentum, batch = 0.05, 0.9, 32

    def forward(x):
        activations = [x.astype(np.float64)]
        for i, (w, b) in enumerate(zip(weights, biases)):
            z = activations[-1] @ w + b
            activations.append(np.maximum(z, 0) if i < len(weights) - 1 else z)
        logits = activations[-1]
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return activations, e / e.sum(axis=1, keepdims=True)

    loss = 0.0
    for _ in range(epochs):
        order = rng.permutation(len(x_train))
        loss = 0.0
        for start in range(0, len(order), batch):
            idx = order[start:start + batch]
            activations, probs = forward(x_train[idx])
            n = len(idx)
            loss += -np.log(probs[np.arange(n), y_train[idx]] + 1e-12).sum()
            delta = probs.copy()
            delta[np.arange(n), y_train[idx]] -= 1
            delta /= n
            grads_w, grads_b = [], []
            for i in reversed(range(len(weights))):
                grads_w.insert(0, activations[i].T @ delta)
                grads_b.insert(0, delta.sum(axis=0))
                if i:
                    delta = (delta @ weights[i].T) * (activations[i] > 0)
            for k, (p, g) in enumerate(zip(weights + biases, grads_w + grads_b)):
                velocity[k] = momentum * velocity[k] - lr * g
                p += velocity[k]
        loss /= len(x_train)
    accuracy = float((forward(x_test)[1].argmax(axis=1) == y_test).mean())
    tensors = {}
    for i, (w, b) in enumerate(zip(weights, biases)):
        tensors[f"layers.{2 * i}.weight"] = w.astype(np.float32)
        tensors[f"layers.{2 * i}.bias"] = b.astype(np.float32)
    return tensors, loss, accuracy


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="/tmp/bench-data/models")
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "..", "..", "shared", "data"))
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--per-tensor", action="store_true", help="a line per tensor")
    args = ap.parse_args()
    print(f"zlib {zlib.ZLIB_RUNTIME_VERSION}, level 9; ratios are compressed / raw")
    grand = np.zeros(3, dtype=np.int64)
    for path in sorted(glob.glob(os.path.join(args.models, "*.npz"))):
        if path.endswith(".fixture.npz"):
            continue
        name = os.path.basename(path)[:-4]
        weights = np.load(path)
        print(f"anchor {name} (random He-init weights)")
        grand += report(name, {k: weights[k] for k in weights.files}, args.per_tensor)
    if grand[0]:
        raw, plain, shuffled = (int(t) for t in grand)
        print(f"all anchors: raw {raw}, zlib-9 {plain} ({plain / raw:.3f}), shuffle+zlib-9 "
              f"{shuffled} ({shuffled / raw:.3f}); shuffle saves {1 - shuffled / plain:.1%}")
    tensors, loss, accuracy = train_digits_mlp(args.data, args.epochs)
    print(f"trained digits MLP 64-128-64-10 ({args.epochs} epochs, final train loss {loss:.4f}, "
          f"test accuracy {accuracy:.3f})")
    report("digits_mlp (trained)", tensors, True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
