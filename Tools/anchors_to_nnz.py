#!/usr/bin/env python3
"""Convert the anchor models (made by ../shared/anchors/make_models.py) to .nnz files.

    python3 Tools/anchors_to_nnz.py [--models /tmp/bench-data/models] [--out DIR] [NAME ...]

For each NAME (default: every <name>.json in the models directory) it reads <name>.json (layer
list and conventions) and <name>.npz (float32 weights), builds an nnz.Model, runs the reference
forward of Tools/nnz.py on <name>.fixture_input.csv and compares it with
<name>.fixture_expected.csv (numpy float64 forward of the anchor generator): the largest absolute
difference must be <= 1e-5. Then it writes <name>.nnz (with a 4-row self-test) next to the inputs,
or into --out, and reads it back.

Anchor conventions (from the .json): dense W is [in, out] (same as nnz); conv W is OIHW (same),
stride 1, symmetric padding `pad`; maxpool k x k stride k, no padding; batch norm eps 1e-5 on the
feature axis after a dense layer (channels after a conv); dropout is the identity at inference
(nnz convention 0, inverted); the last softmax gives probabilities, none gives logits (scores).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nnz  # noqa: E402

TOLERANCE = 1e-5


def convert(spec: dict, weights) -> nnz.Model:
    """An nnz.Model from an anchor layer spec and its weights."""
    input_shape = tuple(int(d) for d in spec["input_shape"][1:])    # drop the batch axis "N"
    layers, tensors = [], {}
    image = len(input_shape) == 3          # tracks whether the activation is [C, H, W]
    for index, layer in enumerate(spec["layers"]):
        op = layer["op"]
        params = layer.get("params", {})

        def put(param, key):
            tensors[f"layers.{index}.{param}"] = np.asarray(weights[params[key]], dtype=np.float32)

        if op == "dense":
            layers.append({"kind": "dense", "inputs": layer["in"], "outputs": layer["out"],
                           "has_bias": "b" in params})
            put("weight", "W")
            if "b" in params:
                put("bias", "b")
        elif op == "conv":
            k, pad, stride = layer["kernel"], layer["pad"], layer.get("stride", 1)
            layers.append({"kind": "conv2d", "in_channels": layer["in_ch"],
                           "out_channels": layer["out_ch"], "kernel_h": k, "kernel_w": k,
                           "stride_h": stride, "stride_w": stride, "pad_h": pad, "pad_w": pad,
                           "has_bias": "b" in params})
            put("weight", "W")
            if "b" in params:
                put("bias", "b")
        elif op == "maxpool":
            k, stride = layer["kernel"], layer.get("stride", layer["kernel"])
            layers.append({"kind": "maxpool", "kernel_h": k, "kernel_w": k, "stride_h": stride,
                           "stride_w": stride, "pad_h": 0, "pad_w": 0})
        elif op == "bn":
            layers.append({"kind": "batchnorm", "axis": "channels" if image else "features",
                           "channels": layer["channels"], "epsilon": layer.get("eps", 1e-5),
                           "momentum": 0.9})
            for param, key in (("gamma", "gamma"), ("beta", "beta"), ("running_mean", "mean"),
                               ("running_var", "var")):
                put(param, key)
        elif op == "dropout":
            if layer.get("inference", "identity") != "identity":
                raise ValueError(f"layer {index}: dropout inference {layer['inference']!r}")
            layers.append({"kind": "dropout", "ratio": layer["ratio"], "convention": "inverted"})
        elif op == "flatten":
            layers.append({"kind": "flatten"})
            image = False
        elif op in ("relu", "sigmoid", "tanh", "softmax"):
            layers.append({"kind": op})
        else:
            raise ValueError(f"layer {index}: unknown anchor op {op!r}")
    output_kind = "probabilities" if spec["layers"][-1]["op"] == "softmax" else "scores"
    metadata = {"name": spec["name"], "producer": "Tools/anchors_to_nnz.py",
                "producer_version": "1.0",
                "description": f"anchor model {spec['name']} (seed {spec['seed']}): {spec['init']}",
                "training.seed": float(spec["seed"])}
    return nnz.Model(input_shape=input_shape, output_kind=output_kind, layers=layers,
                     tensors=tensors, metadata=metadata)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*")
    ap.add_argument("--models", default="/tmp/bench-data/models")
    ap.add_argument("--out", default=None, help="output directory (default: --models)")
    args = ap.parse_args()
    out_dir = args.out or args.models
    os.makedirs(out_dir, exist_ok=True)
    names = args.names or sorted(os.path.basename(p)[:-5]
                                 for p in glob.glob(os.path.join(args.models, "*.json")))
    failed = 0
    print(f"{'model':16s} {'params':>9s} {'npz bytes':>10s} {'nnz bytes':>10s} "
          f"{'max |diff|':>11s}  result")
    for name in names:
        base = os.path.join(args.models, name)
        with open(base + ".json") as f:
            spec = json.load(f)
        weights = np.load(base + ".npz")
        model = convert(spec, weights)
        _, inputs = nnz.read_csv(base + ".fixture_input.csv")
        _, expected = nnz.read_csv(base + ".fixture_expected.csv")
        got = nnz.forward(model, inputs)
        diff = float(np.max(np.abs(got - expected)))
        ok = diff <= TOLERANCE
        model.self_test = nnz.make_self_test(model, inputs[:4], TOLERANCE)
        path = os.path.join(out_dir, name + ".nnz")
        if ok:
            nnz.write_model(model, path)
            again = nnz.read_model(path)
            ok = np.array_equal(nnz.forward(again, inputs), got) and nnz.run_self_test(again)[0]
        failed += not ok
        params = sum(v.size for v in model.tensors.values())
        size = os.path.getsize(path) if ok else 0
        print(f"{name:16s} {params:>9d} {os.path.getsize(base + '.npz'):>10d} {size:>10d} "
              f"{diff:>11.3e}  {'ok, wrote ' + path if ok else 'FAILED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
