#!/usr/bin/env python3
"""Writes Fixtures/onnx/: real ONNX files from PyTorch (both exporters) and skl2onnx, a few
onnx.helper graphs, their onnxruntime golden outputs, and the refusal fixtures.

    /tmp/onnxenv/bin/python Tools/make_onnx_fixtures.py          # rewrites Fixtures/onnx/
    /tmp/onnxenv/bin/python Tools/make_onnx_fixtures.py --nodes  # also prints every node list

Last run with: Python 3.11.7, torch 2.15.0 (CPU run of the PyPI wheel), onnx 1.23.2,
onnxruntime 1.32.0, skl2onnx 1.20.0, onnxscript 0.7.2, onnx_ir 1.1.0, scikit-learn 1.9.1,
numpy 2.4.6. Other versions give other node patterns (that is the point of the files), so
rerun only on purpose and read the diff of Fixtures/onnx/NODES.md.

Everything is seeded: torch.manual_seed / numpy default_rng per fixture, sklearn random_state,
onnxruntime with one thread. Rerunning with the same versions gives the same bytes.

What it writes (Fixtures/onnx/PATTERNS.md explains the node patterns; NODES.md lists every
node of every fixture, regenerated here):

- NAME.onnx           the exporter's file, untouched except that the dynamo exporter's per-node
                      `pkg.torch.onnx.stack_trace` metadata (absolute paths of this machine and
                      line numbers of this script) is removed;
- NAME.input.csv      20 rows, no header, flat row-major float32 values (%.9g);
- NAME.expected.csv   onnxruntime's outputs on those rows: a header, then one row per input row.
                      Classifiers from skl2onnx: one probability column per class, named by the
                      class label in class order, then `label` (ORT's predicted label). Every
                      other model: `y0,y1,...`. Values %.9g of ORT's float32 results.
- manifest.tsv        one line per accepted fixture:
                      name, exporter, opset, ir_version, nnzconvert extra args (or -),
                      output kind nnz should give (probabilities|scores|regression), notes.
- refuse/NAME.onnx and refuse/manifest.tsv: name, the pattern, the node at fault
                      (`index name op_type`, or `-` for file-level refusals).

Lines of the manifests starting with `#` are comments (the first is the column header).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import warnings
from contextlib import redirect_stdout, redirect_stderr

import numpy as np

import onnx
from onnx import TensorProto, helper, numpy_helper
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(ROOT, "Fixtures", "onnx")
REFUSE = os.path.join(OUT, "refuse")
DATA = os.path.join(ROOT, "Fixtures", "data")
ROWS = 20

ACCEPTED: list = []      # manifest rows
REFUSED: list = []       # refusal manifest rows
NODE_TEXT: list = []     # NODES.md sections
PRINT_NODES = False


# ----------------------------------------------------------------------------------------------
# Describing a graph
# ----------------------------------------------------------------------------------------------

def _attr_text(a: onnx.AttributeProto) -> str:
    v = helper.get_attribute_value(a)
    if isinstance(v, onnx.TensorProto):
        arr = numpy_helper.to_array(v)
        flat = arr.ravel().tolist()
        shown = flat if len(flat) <= 8 else flat[:8] + ["..."]
        return f"{a.name}=tensor{list(arr.shape)}:{TensorProto.DataType.Name(v.data_type)}{shown}"
    if isinstance(v, bytes):
        return f"{a.name}={v.decode()!r}"
    if isinstance(v, list):
        v = [x.decode() if isinstance(x, bytes) else (round(x, 7) if isinstance(x, float) else x)
             for x in v]
        return f"{a.name}={v}"
    if isinstance(v, float):
        return f"{a.name}={v:.7g}"
    return f"{a.name}={v}"


def _type_text(t: onnx.TypeProto) -> str:
    if t.HasField("tensor_type"):
        tt = t.tensor_type
        dims = []
        for d in tt.shape.dim:
            dims.append(str(d.dim_value) if d.HasField("dim_value")
                        else (d.dim_param or "?"))
        return f"{TensorProto.DataType.Name(tt.elem_type)}[{','.join(dims)}]"
    if t.HasField("sequence_type"):
        return f"seq({_type_text(t.sequence_type.elem_type)})"
    if t.HasField("map_type"):
        return (f"map({TensorProto.DataType.Name(t.map_type.key_type)},"
                f"{_type_text(t.map_type.value_type)})")
    return "?"


def describe(model: onnx.ModelProto, title: str) -> str:
    """A markdown section listing a model's inputs, outputs, initializers and nodes in order."""
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    opsets = ", ".join(f"{o.domain or 'ai.onnx'} {o.version}" for o in model.opset_import)
    lines = [f"### {title}", "",
             f"ir_version {model.ir_version}; opsets {opsets}; producer "
             f"{model.producer_name} {model.producer_version}".rstrip(), ""]
    for i in g.input:
        if i.name not in inits:
            lines.append(f"- input `{i.name}`: {_type_text(i.type)}")
    for o in g.output:
        lines.append(f"- output `{o.name}`: {_type_text(o.type)}")
    lines.append("")
    lines.append("| # | op | name | inputs | outputs | attributes |")
    lines.append("|---|---|---|---|---|---|")
    for k, n in enumerate(g.node):
        ins = []
        for x in n.input:
            if x in inits:
                t = inits[x]
                dt = TensorProto.DataType.Name(t.data_type)
                if t.data_type == TensorProto.INT64 and len(t.dims) <= 1:
                    ins.append(f"`{x}`=init{list(t.dims)}:{numpy_helper.to_array(t).tolist()}")
                else:
                    ins.append(f"`{x}`=init{list(t.dims)}:{dt}")
            else:
                ins.append(f"`{x}`")
        attrs = "; ".join(_attr_text(a) for a in n.attribute)
        op = n.op_type if not n.domain else f"{n.domain}.{n.op_type}"
        lines.append(f"| {k} | {op} | {n.name} | {', '.join(ins)} | "
                     f"{', '.join('`'+x+'`' for x in n.output)} | {attrs.replace('|', '/')} |")
    lines.append("")
    text = "\n".join(lines)
    NODE_TEXT.append(text)
    if PRINT_NODES:
        print(text)
    return text


# ----------------------------------------------------------------------------------------------
# Writing fixtures
# ----------------------------------------------------------------------------------------------

def quantized(x) -> np.ndarray:
    """Multiples of 1/16: exact in float32 and short in the CSV files."""
    return (np.round(np.asarray(x, dtype=np.float64) * 16) / 16).astype(np.float32)


def fmt(v) -> str:
    return "%.9g" % float(v)


def write_csv(path: str, header, rows):
    with open(path, "w", newline="") as f:
        if header is not None:
            f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(r) + "\n")


def strip_dynamo_noise(model: onnx.ModelProto):
    """Drops the per-node stack traces the dynamo exporter stores (paths of this machine)."""
    def clean(graph):
        for n in graph.node:
            keep = [p for p in n.metadata_props if p.key != "pkg.torch.onnx.stack_trace"]
            del n.metadata_props[:]
            n.metadata_props.extend(keep)
            for a in n.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    clean(a.g)
    clean(model.graph)


def data_input(model: onnx.ModelProto):
    inits = {t.name for t in model.graph.initializer}
    real = [i for i in model.graph.input if i.name not in inits]
    assert len(real) == 1, [i.name for i in real]
    return real[0]


def run_ort(path: str, flat: np.ndarray):
    """Runs the file in onnxruntime on flat rows; returns the session's outputs per output name.

    The flat rows are reshaped to the graph input's shape (its non-batch dims must be fixed);
    a fixed batch dimension k runs the rows k at a time."""
    model = onnx.load(path)
    inp = data_input(model)
    dims = [d.dim_value if d.HasField("dim_value") else None
            for d in inp.type.tensor_type.shape.dim]
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    inner = dims[1:]
    if any(d is None for d in inner):
        inner = list(INPUT_SHAPE_OVERRIDE.get(os.path.basename(path), [])) or inner
    x = flat.reshape([flat.shape[0]] + [int(d) for d in inner]).astype(np.float32)
    batch = dims[0] if dims and dims[0] else flat.shape[0]
    parts = [sess.run(None, {inp.name: x[s:s + batch]}) for s in range(0, flat.shape[0], batch)]
    out = {}
    for j, n in enumerate(names):
        vals = [p[j] for p in parts]
        if isinstance(vals[0], list):
            out[n] = [d for v in vals for d in v]
        else:
            out[n] = np.concatenate(vals, axis=0)
    return out


INPUT_SHAPE_OVERRIDE: dict = {}


def save_accepted(model: onnx.ModelProto, name: str, exporter: str, inputs: np.ndarray,
                  output_kind: str, args: str = "-", notes: str = "", reference=None):
    """Writes NAME.onnx / .input.csv / .expected.csv and records the manifest line.

    `reference` (the source library's own outputs on the inputs: probabilities [N,K] and
    labels, or predictions [N,K]) is checked against onnxruntime's to 1e-5."""
    path = os.path.join(OUT, name + ".onnx")
    onnx.save(model, path)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    inputs = np.asarray(inputs, dtype=np.float32).reshape(ROWS, -1)
    write_csv(os.path.join(OUT, name + ".input.csv"), None,
              [[fmt(v) for v in row] for row in inputs])
    out = run_ort(path, inputs)
    if "output_probability" in out:                       # skl2onnx classifier, ZipMap on
        probs = out["output_probability"]
        zipmap = [n for n in model.graph.node if n.op_type == "ZipMap"][0]
        attrs = {a.name: helper.get_attribute_value(a) for a in zipmap.attribute}
        labels = ([s.decode() for s in attrs["classlabels_strings"]]
                  if "classlabels_strings" in attrs else list(attrs["classlabels_int64s"]))
        header = [str(l) for l in labels] + ["label"]
        rows = [[fmt(p[l]) for l in labels] + [str(lab)]
                for p, lab in zip(probs, out["output_label"].tolist())]
        if reference is not None:
            ref_p, ref_labels = reference
            got = np.array([[p[l] for l in labels] for p in probs])
            assert np.max(np.abs(got - ref_p)) < 1e-5, (name, np.max(np.abs(got - ref_p)))
            assert [str(v) for v in ref_labels] == [str(v) for v in out["output_label"]], name
    else:
        assert len(out) == 1, list(out)
        # reshape: skl2onnx's 2-output regressor ends in Reshape(-1, 1), so ORT gives [2N, 1]
        # for N rows (PATTERNS.md); its row-major values are the [N, 2] predictions.
        y = next(iter(out.values())).reshape(ROWS, -1)
        header = [f"y{j}" for j in range(y.shape[1])]
        if reference is not None:
            err = np.max(np.abs(y - np.asarray(reference).reshape(y.shape)))
            assert err < 1e-5, (name, err)
        rows = [[fmt(v) for v in row] for row in y]
    write_csv(os.path.join(OUT, name + ".expected.csv"), header, rows)
    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    ACCEPTED.append((name, exporter, str(opset), str(model.ir_version), args, output_kind,
                     notes))
    describe(model, f"{name} ({exporter}, accepted)")


def save_refused(model_or_bytes, name: str, pattern: str, fault: str):
    path = os.path.join(REFUSE, name + ".onnx")
    if isinstance(model_or_bytes, (bytes, bytearray)):
        with open(path, "wb") as f:
            f.write(model_or_bytes)
    else:
        onnx.save(model_or_bytes, path)
        describe(model_or_bytes, f"refuse/{name}")
    REFUSED.append((name, pattern, fault))


def node_fault(model: onnx.ModelProto, op_type: str, nth: int = 0) -> str:
    """`index name op_type` of the nth node with that op type."""
    hits = [(k, n) for k, n in enumerate(model.graph.node) if n.op_type == op_type]
    k, n = hits[nth]
    return f"{k} {n.name or '(unnamed)'} {n.op_type}"


# ----------------------------------------------------------------------------------------------
# PyTorch models
# ----------------------------------------------------------------------------------------------

def torch_models():
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class MLP(nn.Module):
        """Linear -> act -> Dropout -> Linear -> Tanh -> Linear -> head."""
        def __init__(self, act="relu", head="softmax", softmax_dim=1):
            super().__init__()
            self.fc1 = nn.Linear(8, 16)
            self.act = nn.LeakyReLU(0.1) if act == "leakyrelu" else nn.ReLU()
            self.drop = nn.Dropout(0.3)
            self.fc2 = nn.Linear(16, 12)
            self.tanh = nn.Tanh()
            self.fc3 = nn.Linear(12, 3)
            self.head = {"softmax": nn.Softmax(dim=softmax_dim), "sigmoid": nn.Sigmoid(),
                         "logits": nn.Identity()}[head]

        def forward(self, x):
            return self.head(self.fc3(self.tanh(self.fc2(self.drop(self.act(self.fc1(x)))))))

    class MatMulMLP(nn.Module):
        """Hand-written x @ W + b layers (exported as MatMul + Add, not Gemm)."""
        def __init__(self):
            super().__init__()
            self.w1 = nn.Parameter(torch.randn(8, 16) * 0.4)
            self.b1 = nn.Parameter(torch.randn(16) * 0.1)
            self.w2 = nn.Parameter(torch.randn(16, 3) * 0.4)
            self.b2 = nn.Parameter(torch.randn(3) * 0.1)

        def forward(self, x):
            h = torch.relu(torch.matmul(x, self.w1) + self.b1)
            return torch.softmax(torch.matmul(h, self.w2) + self.b2, dim=1)

    class BNMLP(nn.Module):
        """Linear -> BatchNorm1d -> ReLU -> Linear -> Softmax."""
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(8, 16)
            self.bn = nn.BatchNorm1d(16)
            self.fc2 = nn.Linear(16, 3)

        def forward(self, x):
            return torch.softmax(self.fc2(torch.relu(self.bn(self.fc1(x)))), dim=1)

    class SoftmaxOnly(nn.Module):
        """Linear(8, 3) -> Softmax(dim) on a 2-D tensor."""
        def __init__(self, dim):
            super().__init__()
            self.fc = nn.Linear(8, 3)
            self.dim = dim

        def forward(self, x):
            return torch.softmax(self.fc(x), dim=self.dim)

    class CNN(nn.Module):
        """[N,1,8,8]: Conv(pad 1) -> BN -> ReLU -> MaxPool(2) -> Conv(pad 1) -> ReLU -> pool
        -> flatten (tail) -> Linear -> Softmax."""
        def __init__(self, pool="avg", pool_pad=0, cip=True, tail="view", flat_input=None,
                     ceil=False, bn_after_pool=False):
            super().__init__()
            self.flat_input = flat_input
            self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
            self.bn_after_pool = bn_after_pool
            self.bn = nn.BatchNorm2d(4)
            self.mp = nn.MaxPool2d(2, ceil_mode=ceil)
            self.conv2 = nn.Conv2d(4, 6, 3, padding=1)
            if pool == "avg":
                self.pool = nn.AvgPool2d(2, padding=pool_pad, count_include_pad=cip)
                side = (4 + 2 * pool_pad - 2) // 2 + 1
            elif pool == "global":
                self.pool = nn.AdaptiveAvgPool2d(1)
                side = 1
            else:
                self.pool = nn.MaxPool2d(2)
                side = 2
            self.tail = tail
            self.flatten = nn.Flatten()
            self.fc = nn.Linear(6 * side * side, 5)

        def forward(self, x):
            if self.flat_input == "view":
                x = x.view(-1, 1, 8, 8)
            elif self.flat_input == "sizeview":
                x = x.view(x.size(0), 1, 8, 8)
            x = self.conv1(x)
            if self.bn_after_pool:
                x = self.bn(self.mp(torch.relu(x)))
            else:
                x = self.mp(torch.relu(self.bn(x)))
            x = self.pool(torch.relu(self.conv2(x)))
            if self.tail == "view":
                x = x.view(x.size(0), -1)
            else:
                x = self.flatten(x)
            return torch.softmax(self.fc(x), dim=1)

    def randomize_bn(m, g):
        for mod in m.modules():
            if isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d)):
                c = mod.num_features
                with torch.no_grad():
                    mod.running_mean.copy_(torch.randn(c, generator=g) * 0.5)
                    mod.running_var.copy_(torch.rand(c, generator=g) * 1.5 + 0.25)
                    mod.weight.copy_(torch.rand(c, generator=g) + 0.5)
                    mod.bias.copy_(torch.randn(c, generator=g) * 0.2)
        return m

    # name -> (constructor, input kind, output kind, notes)
    mlp, img, flat = "mlp", "image", "flat64"
    specs = [
        ("mlp_softmax", lambda: MLP(), mlp, "probabilities",
         "Linear ReLU Dropout(0.3) Linear Tanh Linear Softmax(dim=1)"),
        ("mlp_logits", lambda: MLP(head="logits"), mlp, "scores", "as mlp_softmax without Softmax"),
        ("mlp_sigmoid", lambda: MLP(head="sigmoid"), mlp, "scores",
         "as mlp_softmax ending in Sigmoid (3 independent outputs)"),
        ("mlp_leakyrelu", lambda: MLP(act="leakyrelu"), mlp, "probabilities",
         "as mlp_softmax with LeakyReLU(0.1) for ReLU"),
        ("mlp_matmul", lambda: MatMulMLP(), mlp, "probabilities",
         "torch.matmul(x, W) + b layers: MatMul + Add, W stored [in, out]"),
        ("mlp_batchnorm", lambda: BNMLP(), mlp, "probabilities",
         "Linear BatchNorm1d ReLU Linear Softmax; non-trivial running stats"),
        ("cnn_avgpool", lambda: CNN(), img, "probabilities",
         "Conv BN ReLU MaxPool Conv ReLU AvgPool2d(2) view(N,-1) Linear Softmax"),
        ("cnn_avgpool_pad_incl", lambda: CNN(pool_pad=1, cip=True), img, "probabilities",
         "AvgPool2d(2, padding=1, count_include_pad=True)"),
        ("cnn_avgpool_pad_excl", lambda: CNN(pool_pad=1, cip=False), img, "probabilities",
         "AvgPool2d(2, padding=1, count_include_pad=False)"),
        ("cnn_global", lambda: CNN(pool="global", tail="flatten"), img, "probabilities",
         "AdaptiveAvgPool2d(1) + nn.Flatten"),
        ("cnn_flatten", lambda: CNN(tail="flatten"), img, "probabilities",
         "as cnn_avgpool with nn.Flatten for view"),
        ("cnn_bn_after_pool", lambda: CNN(pool="max", bn_after_pool=True), img, "probabilities",
         "Conv ReLU MaxPool BN (BN not after a conv: not folded) Conv ReLU MaxPool view Linear"),
        ("cnn_maxpool_ceil", lambda: CNN(pool="max", ceil=True), img, "probabilities",
         "MaxPool2d(2, ceil_mode=True) on 8x8 (same size as floor mode)"),
        ("cnn_flat_view", lambda: CNN(flat_input="view"), flat, "probabilities",
         "forward takes [N,64] and does x.view(-1,1,8,8) first"),
        ("cnn_flat_sizeview", lambda: CNN(flat_input="sizeview"), flat, "probabilities",
         "forward takes [N,64] and does x.view(x.size(0),1,8,8) first"),
    ]
    return torch, nn, specs, randomize_bn, SoftmaxOnly, MLP, CNN


def export_torch():
    torch, nn, specs, randomize_bn, SoftmaxOnly, MLP, CNN = torch_models()
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)

    def example(kind, n):
        g = torch.Generator().manual_seed(99)
        if kind == "image":
            return torch.randn(n, 1, 8, 8, generator=g)
        return torch.randn(n, 64 if kind == "flat64" else 8, generator=g)

    def inputs_for(kind, seed):
        rng = np.random.default_rng(seed)
        width = 8 if kind == "mlp" else 64
        return quantized(rng.standard_normal((ROWS, width)))

    def build(ctor, seed):
        torch.manual_seed(seed)
        m = ctor()
        randomize_bn(m, torch.Generator().manual_seed(seed + 1))
        return m.eval()

    def ts_export(m, x, opset, dynamic=("N",)):
        buf = io.BytesIO()
        axes = {"x": {0: "N"}, "y": {0: "N"}}
        if "H" in dynamic:
            axes["x"] = {0: "N", 2: "H", 3: "W"}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(m, (x,), buf, dynamo=False, opset_version=opset,
                              input_names=["x"], output_names=["y"], dynamic_axes=axes)
        return onnx.load_from_string(buf.getvalue())

    def dynamo_export(m, x, dynamic=True, opset=None):
        kwargs = {}
        if dynamic:
            kwargs["dynamic_shapes"] = {"x": {0: torch.export.Dim("N", min=1, max=1 << 20)}}
        if opset:
            kwargs["opset_version"] = opset
        sink = io.StringIO()
        with warnings.catch_warnings(), redirect_stdout(sink), redirect_stderr(sink):
            warnings.simplefilter("ignore")
            prog = torch.onnx.export(m, (x,), None, dynamo=True, input_names=["x"],
                                     output_names=["y"], **kwargs)
        model = prog.model_proto
        strip_dynamo_noise(model)
        return model

    for index, (base, ctor, kind, okind, notes) in enumerate(specs):
        seed = 1000 + 17 * index
        m = build(ctor, seed)
        xs = inputs_for(kind, seed + 5)
        with torch.no_grad():
            ref = m(torch.from_numpy(xs.reshape((ROWS, 1, 8, 8) if kind == "image" else (ROWS, -1))))
        for opset in (11, 13, 17):
            model = ts_export(m, example(kind, 2), opset)
            save_accepted(model, f"{base}_ts{opset}", "torchscript", xs, okind, "-", notes)
            check_against_torch(f"{base}_ts{opset}", ref.numpy())
        model = dynamo_export(m, example(kind, 2))
        save_accepted(model, f"{base}_dynamo", "dynamo", xs, okind, "-", notes)
        check_against_torch(f"{base}_dynamo", ref.numpy())

    # Fixed batch dimension (dynamo without dynamic_shapes, one example row).
    for base, ctor, kind, seed in (("mlp_softmax", lambda: MLP(), "mlp", 1000),
                                   ("cnn_avgpool", lambda: CNN(), "image", 1000 + 17 * 6)):
        m = build(ctor, seed)
        xs = inputs_for(kind, seed + 5)
        model = dynamo_export(m, example(kind, 1), dynamic=False)
        save_accepted(model, f"{base}_dynamo_batch1", "dynamo", xs, "probabilities", "-",
                      "dynamo export without dynamic_shapes: batch fixed to 1 in the graph")

    # Dynamic H and W: the graph input is [N,1,H,W], so nnzconvert needs --input-shape.
    m = build(lambda: CNN(pool="global", tail="flatten"), 4242)
    xs = inputs_for("image", 4247)
    name = "cnn_dynamic_hw_ts17"
    INPUT_SHAPE_OVERRIDE[name + ".onnx"] = [1, 8, 8]
    model = ts_export(m, example("image", 2), 17, dynamic=("N", "H", "W"))
    save_accepted(model, name, "torchscript", xs, "probabilities", "--input-shape 1x8x8",
                  "input x is [N,1,H,W] (H, W symbolic): the shape comes from --input-shape; "
                  "GlobalAveragePool + Flatten")

    # d) Softmax at opset 11 on a 2-D tensor, dim=1 and dim=-1.
    for dim, tag in ((1, "axis1"), (-1, "axisneg1")):
        m = build(lambda: SoftmaxOnly(dim), 5000 + dim)
        xs = inputs_for("mlp", 5010 + dim)
        model = ts_export(m, example("mlp", 2), 11)
        save_accepted(model, f"softmax_o11_{tag}_ts11", "torchscript", xs, "probabilities", "-",
                      f"Linear(8,3) + torch.softmax(dim={dim}) at opset 11 (2-D input: "
                      "opset-11 flattening is per row)")

    return torch, nn


def check_against_torch(name, ref):
    """ORT's golden must agree with torch itself (catches a bad export or a bad reshape)."""
    path = os.path.join(OUT, name + ".expected.csv")
    got = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    err = float(np.max(np.abs(got - ref.reshape(got.shape))))
    assert err < 1e-5, (name, err)


# ----------------------------------------------------------------------------------------------
# scikit-learn via skl2onnx
# ----------------------------------------------------------------------------------------------

def read_data_csv(name):
    path = os.path.join(DATA, name)
    with open(path) as f:
        header = f.readline().strip().split(",")
    values = np.loadtxt(path, delimiter=",", skiprows=1)
    return header, values


def clf_ref(est, x):
    x = np.asarray(x, dtype=np.float32)
    return est.predict_proba(x), est.predict(x)


def export_sklearn():
    from sklearn.datasets import load_iris
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from skl2onnx import to_onnx
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    def pick(x, seed):
        rng = np.random.default_rng(seed)
        return x[np.sort(rng.choice(len(x), ROWS, replace=False))].astype(np.float32)

    def convert(est, x, opset):
        return to_onnx(est, x[:1].astype(np.float32),
                       target_opset={"": opset, "ai.onnx.ml": 1})

    iris = load_iris()
    xi = iris.data.astype(np.float32)
    yi = np.array(["setosa", "versicolor", "virginica"])[iris.target]
    iris_names = "sepal_length,sepal_width,petal_length,petal_width"

    c = MLPClassifier(hidden_layer_sizes=(6,), activation="relu", max_iter=800,
                      random_state=0).fit(xi, yi)
    save_accepted(convert(c, xi, 21), "skl_iris_strlabels_relu", "skl2onnx", pick(xi, 1),
                  "probabilities", f"--name iris --feature-names {iris_names}",
                  "MLPClassifier(6, relu), string labels; sklearn load_iris",
                  clf_ref(c, pick(xi, 1)))

    p = Pipeline([("scale", StandardScaler()),
                  ("mlp", MLPClassifier(hidden_layer_sizes=(8, 5), activation="tanh",
                                        max_iter=800, random_state=1))]).fit(xi, yi)
    save_accepted(convert(p, xi, 17), "skl_pipeline_scaler_tanh", "skl2onnx", pick(xi, 2),
                  "probabilities", "-",
                  "Pipeline(StandardScaler, MLPClassifier((8,5), tanh)), string labels; iris",
                  clf_ref(p, pick(xi, 2)))

    _, digits = read_data_csv("digits_train.csv")
    xd, yd = digits[:, :64].astype(np.float32), digits[:, 64].astype(np.int64)
    _, digits_test = read_data_csv("digits_test.csv")
    c = MLPClassifier(hidden_layer_sizes=(10,), activation="tanh", max_iter=300,
                      random_state=0).fit(xd / 16, yd)
    # Fitted on pixels/16 but exported as is: the graph takes pixels/16 (inputs scaled below).
    save_accepted(convert(c, xd, 15), "skl_digits_intlabels_tanh", "skl2onnx",
                  pick(digits_test[:, :64] / 16, 3), "probabilities", "-",
                  "MLPClassifier(10, tanh), integer labels 0..9; digits_train.csv pixels/16",
                  clf_ref(c, pick(digits_test[:, :64] / 16, 3)))

    # Integer labels that are not 0..K-1: the labels must come from ZipMap, not the argmax.
    _, moons = read_data_csv("moons.csv")
    xm, ym = moons[:, :2].astype(np.float32), moons[:, 2].astype(np.int64)
    c = MLPClassifier(hidden_layer_sizes=(8,), activation="logistic", max_iter=2000,
                      random_state=0).fit(xm, ym)
    save_accepted(convert(c, xm, 21), "skl_moons_binary_logistic", "skl2onnx", pick(xm, 4),
                  "probabilities", "-",
                  "binary MLPClassifier(8, logistic), labels 0/1: one Sigmoid output, then "
                  "Sub(1, p) + Concat -> [1-p, p]; moons.csv", clf_ref(c, pick(xm, 4)))
    c = MLPClassifier(hidden_layer_sizes=(8,), activation="relu", max_iter=2000,
                      random_state=0).fit(xm, np.where(ym == 1, "upper", "lower"))
    save_accepted(convert(c, xm, 17), "skl_moons_binary_strlabels_relu", "skl2onnx",
                  pick(xm, 5), "probabilities", "-",
                  "binary MLPClassifier(8, relu), string labels lower/upper; moons.csv",
                  clf_ref(c, pick(xm, 5)))
    yi3 = np.array([3, 7, 11])[iris.target]
    c = MLPClassifier(hidden_layer_sizes=(5,), activation="identity", max_iter=800,
                      random_state=0).fit(xi, yi3)
    save_accepted(convert(c, xi, 13), "skl_iris_intlabels_identity", "skl2onnx", pick(xi, 6),
                  "probabilities", "-",
                  "MLPClassifier(5, identity), integer labels 3/7/11 (not 0..K-1); iris",
                  clf_ref(c, pick(xi, 6)))

    _, reg = read_data_csv("regression3.csv")
    xr, yr = reg[:, :3].astype(np.float32), reg[:, 3]
    r = MLPRegressor(hidden_layer_sizes=(10,), activation="identity", max_iter=500,
                     random_state=0).fit(xr, yr)
    save_accepted(convert(r, xr, 21), "skl_regressor1_identity", "skl2onnx", pick(xr, 7),
                  "regression", "-", "MLPRegressor(10, identity), 1 output; regression3.csv",
                  r.predict(pick(xr, 7)))
    y2 = np.stack([yr, np.sin(xr[:, 0])], axis=1)
    r = MLPRegressor(hidden_layer_sizes=(12, 6), activation="relu", max_iter=500,
                     random_state=0).fit(xr, y2)
    save_accepted(convert(r, xr, 17), "skl_regressor2_relu", "skl2onnx", pick(xr, 8),
                  "regression", "-",
                  "MLPRegressor((12,6), relu), 2 outputs (y, sin x1); regression3.csv; "
                  "the graph ends in Reshape(-1,1): ORT returns [2N,1] (row-major = the [N,2] "
                  "predictions, which expected.csv holds)", r.predict(pick(xr, 8)))
    r = MLPRegressor(hidden_layer_sizes=(6,), activation="logistic", max_iter=500,
                     random_state=0)
    r = Pipeline([("scale", StandardScaler()), ("mlp", r)]).fit(xr, yr)
    save_accepted(convert(r, xr, 21), "skl_pipeline_scaler_regressor_logistic", "skl2onnx",
                  pick(xr, 9), "regression", "-",
                  "Pipeline(StandardScaler, MLPRegressor(6, logistic)); regression3.csv",
                  r.predict(pick(xr, 9)))


# ----------------------------------------------------------------------------------------------
# onnx.helper graphs
# ----------------------------------------------------------------------------------------------

def rng_f32(rng, *shape, scale=0.5):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def make(nodes, inits, inp_shape, out_shape, opset=17, ir=None, name="g", extra_opsets=(),
         inputs=None):
    graph = helper.make_graph(
        nodes, name,
        inputs or [helper.make_tensor_value_info("x", TensorProto.FLOAT, inp_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)],
        [numpy_helper.from_array(v, k) for k, v in inits.items()])
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v)
                                                 for d, v in extra_opsets]
    m = helper.make_model(graph, opset_imports=opsets, producer_name="make_onnx_fixtures")
    m.ir_version = ir if ir is not None else helper.find_min_ir_version_for(opsets[:1])
    return m


def mlp_graph(rng, opset, ir=None, head="Softmax", extra_nodes_before=(), softmax_axis=None):
    """Gemm(transB=1) -> Relu -> Gemm(transB=1) -> head, input [N,4] -> [N,3]."""
    inits = {"W1": rng_f32(rng, 6, 4), "B1": rng_f32(rng, 6), "W2": rng_f32(rng, 3, 6),
             "B2": rng_f32(rng, 3)}
    nodes = list(extra_nodes_before)
    first = nodes[-1].output[0] if nodes else "x"
    nodes += [helper.make_node("Gemm", [first, "W1", "B1"], ["h1"], "gemm1", transB=1),
              helper.make_node("Relu", ["h1"], ["r1"], "relu1"),
              helper.make_node("Gemm", ["r1", "W2", "B2"], ["h2" if head else "y"], "gemm2",
                               transB=1)]
    if head:
        kw = {} if softmax_axis is None else {"axis": softmax_axis}
        nodes.append(helper.make_node(head, ["h2"], ["y"], "head", **kw))
    return nodes, inits


def export_helper():
    rng = np.random.default_rng(7)

    def xin(width, seed, scale=1.0):
        return quantized(np.random.default_rng(seed).standard_normal((ROWS, width)) * scale)

    # Opset 24: every op of the graph unchanged since <= 14 -> accepted with a warning.
    nodes, inits = mlp_graph(rng, 24)
    save_accepted(make(nodes, inits, ["N", 4], ["N", 3], opset=24), "opset24_unchanged_ops",
                  "helper", xin(4, 101), "probabilities", "-",
                  "opset 24 (newer than the importer's 23) but Gemm/Relu/Softmax last changed "
                  "at 13/14/13: accepted with a warning")

    # Gemm with transB=0, alpha, beta (a weight stored [in, out], scaled).
    inits = {"W1": rng_f32(rng, 4, 6), "B1": rng_f32(rng, 6), "W2": rng_f32(rng, 6, 3),
             "B2": rng_f32(rng, 1, 3)}
    nodes = [helper.make_node("Gemm", ["x", "W1", "B1"], ["h1"], "gemm_alpha",
                              alpha=0.5, beta=2.0, transB=0),
             helper.make_node("Tanh", ["h1"], ["t1"], "tanh"),
             helper.make_node("Gemm", ["t1", "W2", "B2"], ["y"], "gemm_plain")]
    save_accepted(make(nodes, inits, ["N", 4], ["N", 3], opset=13),
                  "gemm_alpha_beta_transb0", "helper", xin(4, 102), "scores", "-",
                  "Gemm transB=0 alpha=0.5 beta=2 (fold alpha into W, beta into B); second "
                  "Gemm with default attributes and a [1,3] bias")

    # Leading Sub / Div by constants (a hand-written standardization) -> NORM chunk.
    mean = rng_f32(rng, 4, scale=2.0)
    std = (np.abs(rng_f32(rng, 4)) + 0.5).astype(np.float32)
    pre = [helper.make_node("Sub", ["x", "mean"], ["centered"], "sub_mean"),
           helper.make_node("Div", ["centered", "std"], ["scaled"], "div_std")]
    nodes, inits = mlp_graph(rng, 17, extra_nodes_before=pre)
    inits.update({"mean": mean, "std": std})
    save_accepted(make(nodes, inits, ["N", 4], ["N", 3], opset=17), "norm_sub_div", "helper",
                  xin(4, 103, 3.0), "probabilities", "-",
                  "Sub(mean) then Div(std) by [4] constants before the first Gemm: the NORM "
                  "chunk (standard, a=mean, b=std)")
    pre = [helper.make_node("Sub", ["x", "mean"], ["centered"], "sub_mean"),
           helper.make_node("Mul", ["centered", "inv"], ["scaled"], "mul_inv")]
    nodes, inits = mlp_graph(rng, 17, extra_nodes_before=pre)
    inits.update({"mean": mean, "inv": (1.0 / std).astype(np.float32)})
    save_accepted(make(nodes, inits, ["N", 4], ["N", 3], opset=17), "norm_sub_mul", "helper",
                  xin(4, 104, 3.0), "probabilities", "-",
                  "Sub(mean) then Mul(1/std): NORM standard with b = 1/inv (not bit-exact in "
                  "general; compare with tolerance)")

    # Softmax at opset 11 with explicit axis=-1 and the default (axis=1).
    for axis, tag in ((-1, "axisneg1"), (None, "default_axis")):
        nodes, inits = mlp_graph(rng, 11, softmax_axis=axis)
        save_accepted(make(nodes, inits, ["N", 4], ["N", 3], opset=11),
                      f"softmax_o11_{tag}_helper", "helper", xin(4, 105 + (axis or 0)),
                      "probabilities", "-",
                      f"Softmax at opset 11, attribute axis {'-1' if axis else 'absent (=1)'}, "
                      "2-D input")

    # Dropout as exporters of inference graphs rarely keep it (torch drops it in eval mode):
    # opset 11 (ratio attribute, mask output unused), opset 13 (ratio input, training_mode
    # absent) and Identity nodes, all to be dropped.
    inits = {"W1": rng_f32(rng, 6, 4), "B1": rng_f32(rng, 6), "W2": rng_f32(rng, 3, 6),
             "B2": rng_f32(rng, 3)}
    nodes = [helper.make_node("Gemm", ["x", "W1", "B1"], ["h1"], "gemm1", transB=1),
             helper.make_node("Relu", ["h1"], ["r1"], "relu1"),
             helper.make_node("Dropout", ["r1"], ["d1", "mask"], "dropout", ratio=0.4),
             helper.make_node("Identity", ["d1"], ["i1"], "identity"),
             helper.make_node("Gemm", ["i1", "W2", "B2"], ["h2"], "gemm2", transB=1),
             helper.make_node("Softmax", ["h2"], ["y"], "softmax", axis=1)]
    save_accepted(make(nodes, inits, ["N", 4], ["N", 3], opset=11), "dropout_identity_o11",
                  "helper", xin(4, 107), "probabilities", "-",
                  "Dropout(ratio=0.4 attribute, mask output unused) and Identity: both dropped "
                  "(ONNX Dropout is the identity at inference)")
    inits = {"W1": rng_f32(rng, 6, 4), "B1": rng_f32(rng, 6), "W2": rng_f32(rng, 3, 6),
             "B2": rng_f32(rng, 3), "ratio": np.array(0.25, dtype=np.float32)}
    nodes = [helper.make_node("Gemm", ["x", "W1", "B1"], ["h1"], "gemm1", transB=1),
             helper.make_node("Sigmoid", ["h1"], ["r1"], "sigmoid1"),
             helper.make_node("Dropout", ["r1", "ratio"], ["d1"], "dropout"),
             helper.make_node("Gemm", ["d1", "W2", "B2"], ["h2"], "gemm2", transB=1),
             helper.make_node("Softmax", ["h2"], ["y"], "softmax", axis=-1)]
    save_accepted(make(nodes, inits, ["N", 4], ["N", 3], opset=13), "dropout_ratio_input_o13",
                  "helper", xin(4, 108), "probabilities", "-",
                  "Dropout with ratio as an initializer input (opset 12+), no training_mode: "
                  "dropped; Softmax axis=-1 at opset 13")

    # Conv with auto_pad SAME_UPPER (odd kernel: symmetric pad 1), then Flatten(axis=1).
    inits = {"K": rng_f32(rng, 3, 1, 3, 3), "KB": rng_f32(rng, 3),
             "W": rng_f32(rng, 4, 3 * 4 * 4, scale=0.2), "B": rng_f32(rng, 4)}
    nodes = [helper.make_node("Conv", ["x", "K", "KB"], ["c"], "conv_same",
                              auto_pad="SAME_UPPER", kernel_shape=[3, 3]),
             helper.make_node("Relu", ["c"], ["r"], "relu"),
             helper.make_node("MaxPool", ["r"], ["p"], "pool", kernel_shape=[2, 2],
                              strides=[2, 2]),
             helper.make_node("Flatten", ["p"], ["f"], "flatten", axis=1),
             helper.make_node("Gemm", ["f", "W", "B"], ["y"], "fc", transB=1)]
    save_accepted(make(nodes, inits, ["N", 1, 8, 8], ["N", 4], opset=13), "conv_auto_pad_same",
                  "helper", xin(64, 106), "scores", "-",
                  "Conv auto_pad=SAME_UPPER kernel 3 stride 1 (= pads 1,1,1,1); MaxPool; "
                  "Flatten axis=1; Gemm")


# ----------------------------------------------------------------------------------------------
# Refusals
# ----------------------------------------------------------------------------------------------

def export_refusals(torch, nn):
    rng = np.random.default_rng(11)

    def ts(m, x, opset=17):
        buf = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(m.eval(), (x,), buf, dynamo=False, opset_version=opset,
                              input_names=["x"], output_names=["y"],
                              dynamic_axes={"x": {0: "N"}, "y": {0: "N"}})
        return onnx.load_from_string(buf.getvalue())

    torch.manual_seed(77)

    class Residual(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.c = nn.Linear(4, 6), nn.Linear(6, 6), nn.Linear(6, 3)

        def forward(self, x):
            h = torch.relu(self.a(x))
            return self.c(torch.relu(self.b(h)) + h)

    m = ts(Residual(), torch.randn(2, 4))
    save_refused(m, "residual_add", "residual: Add of two activations (Relu outputs)",
                 node_fault(m, "Add"))

    class TwoBranches(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.c = nn.Linear(4, 3), nn.Linear(4, 2), nn.Linear(5, 3)

        def forward(self, x):
            return self.c(torch.cat([torch.tanh(self.a(x)), torch.relu(self.b(x))], dim=1))

    m = ts(TwoBranches(), torch.randn(2, 4))
    save_refused(m, "concat_branches", "Concat of two branches of the input",
                 node_fault(m, "Concat"))

    class LSTMModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(4, 5, batch_first=True)
            self.fc = nn.Linear(5, 2)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.fc(out[:, -1, :])

    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(LSTMModel().eval(), (torch.randn(2, 3, 4),), buf, dynamo=False,
                          opset_version=17, input_names=["x"], output_names=["y"])
    m = onnx.load_from_string(buf.getvalue())
    first_bad = next(k for k, n in enumerate(m.graph.node)
                     if n.op_type not in ("Constant", "Identity"))
    n = m.graph.node[first_bad]
    lstm = next(k for k, n in enumerate(m.graph.node) if n.op_type == "LSTM")
    save_refused(m, "lstm", "torch nn.LSTM (batch_first, fixed input [2,3,4]): the input is "
                 f"rank 3, the first unsupported node is {first_bad} ({n.op_type}) and the "
                 f"LSTM itself is node {lstm}", f"{first_bad} {n.name} {n.op_type}")

    nodes, inits = mlp_graph(rng, 17)
    nodes[1] = helper.make_node("Elu", ["h1"], ["r1"], "elu1", alpha=1.0)
    m = make(nodes, inits, ["N", 4], ["N", 3], opset=17)
    save_refused(m, "unsupported_op_elu", "unsupported op Elu in an otherwise plain MLP",
                 node_fault(m, "Elu"))

    nodes, inits = mlp_graph(rng, 17)
    inits["cols"] = np.array([0, 2, 3], dtype=np.int64)
    nodes[0].input[0] = "sel"
    inits["W1"] = rng_f32(rng, 6, 3)
    nodes.insert(0, helper.make_node("Gather", ["x", "cols"], ["sel"], "pick_columns", axis=1))
    m = make(nodes, inits, ["N", 4], ["N", 3])
    save_refused(m, "gather_on_data", "unsupported op: Gather selecting input columns",
                 node_fault(m, "Gather"))

    class Grouped(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 4, 3, padding=1, groups=2)
            self.fc = nn.Linear(4 * 6 * 6, 3)

        def forward(self, x):
            return self.fc(torch.relu(self.conv(x)).flatten(1))

    m = ts(Grouped(), torch.randn(2, 2, 6, 6))
    save_refused(m, "grouped_conv", "Conv with group=2", node_fault(m, "Conv"))

    class Dilated(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 3, 3, dilation=2)
            self.fc = nn.Linear(3 * 4 * 4, 3)

        def forward(self, x):
            return self.fc(torch.relu(self.conv(x)).flatten(1))

    m = ts(Dilated(), torch.randn(2, 1, 8, 8))
    save_refused(m, "dilated_conv", "Conv with dilations [2,2]", node_fault(m, "Conv"))

    inits = {"K": rng_f32(rng, 3, 1, 3, 3), "KB": rng_f32(rng, 3),
             "W": rng_f32(rng, 4, 3 * 7 * 7, scale=0.2), "B": rng_f32(rng, 4)}
    nodes = [helper.make_node("Conv", ["x", "K", "KB"], ["c"], "conv_asym",
                              kernel_shape=[3, 3], pads=[0, 0, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"], "relu"),
             helper.make_node("Flatten", ["r"], ["f"], "flatten", axis=1),
             helper.make_node("Gemm", ["f", "W", "B"], ["y"], "fc", transB=1)]
    m = make(nodes, inits, ["N", 1, 8, 8], ["N", 4], opset=13)
    save_refused(m, "asymmetric_conv_pads", "Conv pads [0,0,1,1] (begin != end)",
                 node_fault(m, "Conv"))

    inits = {"K": rng_f32(rng, 3, 1, 3, 3), "KB": rng_f32(rng, 3),
             "W": rng_f32(rng, 4, 3 * 4 * 4, scale=0.2), "B": rng_f32(rng, 4)}
    nodes = [helper.make_node("Conv", ["x", "K", "KB"], ["c"], "conv", kernel_shape=[3, 3],
                              pads=[1, 1, 1, 1]),
             helper.make_node("MaxPool", ["c"], ["p"], "pool_ceil", kernel_shape=[2, 2],
                              strides=[2, 2], ceil_mode=1),
             helper.make_node("Flatten", ["p"], ["f"], "flatten", axis=1),
             helper.make_node("Gemm", ["f", "W", "B"], ["y"], "fc", transB=1)]
    m = make(nodes, inits, ["N", 1, 7, 7], ["N", 4], opset=13)
    save_refused(m, "maxpool_ceil_mode", "MaxPool ceil_mode=1 on 7x7, kernel 2 stride 2: "
                 "4x4 where floor mode gives 3x3", node_fault(m, "MaxPool"))

    nodes, inits = mlp_graph(rng, 17)
    m = make(nodes, inits, ["N", 4], ["N", 3], opset=17, ir=14)
    save_refused(m, "ir_version_14", "IR version 14 (reads 3..13)", "-")

    nodes, inits = mlp_graph(rng, 8)
    m = make(nodes, inits, ["N", 4], ["N", 3], opset=8, ir=3)
    save_refused(m, "opset_8", "opset 8 (reads 9..23)", "-")

    # Opset 24 with an op that changed at 24 (Flatten: 21, 23, 24, 25 in onnx 1.23's table).
    inits = {"K": rng_f32(rng, 3, 1, 3, 3), "KB": rng_f32(rng, 3),
             "W": rng_f32(rng, 4, 3 * 8 * 8, scale=0.2), "B": rng_f32(rng, 4)}
    nodes = [helper.make_node("Conv", ["x", "K", "KB"], ["c"], "conv", kernel_shape=[3, 3],
                              pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"], "relu"),
             helper.make_node("Flatten", ["r"], ["f"], "flatten", axis=1),
             helper.make_node("Gemm", ["f", "W", "B"], ["y"], "fc", transB=1)]
    m = make(nodes, inits, ["N", 1, 8, 8], ["N", 4], opset=24)
    save_refused(m, "opset24_changed_op",
                 "opset 24 and Flatten changed at 24 (last known version 23); Conv/Relu/Gemm "
                 "unchanged (22/14/13)", node_fault(m, "Flatten"))

    inp = [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 8, 8]),
           helper.make_tensor_value_info("K", TensorProto.FLOAT, [3, 1, 3, 3])]
    inits = {"KB": rng_f32(rng, 3), "W": rng_f32(rng, 4, 3 * 6 * 6, scale=0.2),
             "B": rng_f32(rng, 4)}
    nodes = [helper.make_node("Conv", ["x", "K", "KB"], ["c"], "conv_weight_input",
                              kernel_shape=[3, 3]),
             helper.make_node("Flatten", ["c"], ["f"], "flatten", axis=1),
             helper.make_node("Gemm", ["f", "W", "B"], ["y"], "fc", transB=1)]
    m = make(nodes, inits, None, ["N", 4], opset=13, inputs=inp)
    save_refused(m, "conv_weight_is_input", "Conv weight K is a graph input, not an initializer",
                 node_fault(m, "Conv"))

    nodes, inits = mlp_graph(rng, 13, softmax_axis=0)
    m = make(nodes, inits, ["N", 4], ["N", 3], opset=13)
    save_refused(m, "softmax_axis0", "Softmax axis=0 (across the batch)",
                 node_fault(m, "Softmax"))

    nodes, inits = mlp_graph(rng, 17)
    nodes[1] = helper.make_node("FusedRelu", ["h1"], ["r1"], "custom_relu", domain="com.example")
    m = make(nodes, inits, ["N", 4], ["N", 3], opset=17, extra_opsets=[("com.example", 1)])
    save_refused(m, "custom_domain_op", "op FusedRelu in domain com.example",
                 node_fault(m, "FusedRelu"))

    nodes, inits = mlp_graph(rng, 17)
    m = make(nodes, inits, ["N", 4], ["N", 3], opset=17)
    w = next(t for t in m.graph.initializer if t.name == "W1")
    w.ClearField("raw_data")
    del w.float_data[:]
    w.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "weights.bin"), ("offset", "0"), ("length", "96")):
        w.external_data.add(key=k, value=v)
    save_refused(m, "external_data", "initializer W1 stored as external data in weights.bin, "
                 "which is not shipped: the data file is missing", "-")

    nodes, inits = mlp_graph(rng, 17)
    good = make(nodes, inits, ["N", 4], ["N", 3], opset=17).SerializeToString()
    save_refused(good[: len(good) // 2], "truncated", "a valid file cut in half", "-")
    save_refused(np.random.default_rng(12).integers(0, 256, 512, dtype=np.uint8).tobytes(),
                 "random_bytes", "512 random bytes", "-")
    save_refused(b"", "empty", "an empty file", "-")


# ----------------------------------------------------------------------------------------------

def main():
    global PRINT_NODES
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nodes", action="store_true", help="print every fixture's node list")
    args = ap.parse_args()
    PRINT_NODES = args.nodes
    # Remove what an earlier run wrote (PATTERNS.md is hand-written and stays).
    if os.path.isdir(REFUSE):
        shutil.rmtree(REFUSE)
    os.makedirs(REFUSE)
    for f in os.listdir(OUT):
        if f.endswith((".onnx", ".csv")) or f in ("manifest.tsv", "NODES.md"):
            os.remove(os.path.join(OUT, f))
    torch, nn = export_torch()
    export_sklearn()
    export_helper()
    export_refusals(torch, nn)

    with open(os.path.join(OUT, "manifest.tsv"), "w") as f:
        f.write("# name\texporter\topset\tir_version\tnnzconvert_args\toutput\tnotes\n")
        for row in ACCEPTED:
            f.write("\t".join(row) + "\n")
    with open(os.path.join(REFUSE, "manifest.tsv"), "w") as f:
        f.write("# name\tpattern\tnode at fault (index name op_type, or - for the file)\n")
        for row in REFUSED:
            f.write("\t".join(row) + "\n")
    with open(os.path.join(OUT, "NODES.md"), "w") as f:
        f.write("# Every node of every fixture\n\nWritten by `Tools/make_onnx_fixtures.py` "
                "(do not edit). `init[dims]:TYPE` is an initializer; small INT64 ones show "
                "their values. PATTERNS.md summarizes.\n\n")
        f.write("\n".join(NODE_TEXT))

    print(f"{'name':42s} {'exporter':11s} {'opset':>5s} {'ir':>3s} {'bytes':>6s}  output")
    for name, exp, opset, ir, _args, okind, _ in ACCEPTED:
        size = os.path.getsize(os.path.join(OUT, name + ".onnx"))
        print(f"{name:42s} {exp:11s} {opset:>5s} {ir:>3s} {size:6d}  {okind}")
    print(f"\nrefuse/ ({len(REFUSED)})")
    for name, pattern, fault in REFUSED:
        size = os.path.getsize(os.path.join(REFUSE, name + ".onnx"))
        print(f"  {name:28s} {size:6d}  {fault:34s} {pattern}")
    total = sum(os.path.getsize(os.path.join(d, f)) for d in (OUT, REFUSE)
                for f in os.listdir(d) if os.path.isfile(os.path.join(d, f)))
    print(f"\n{len(ACCEPTED)} accepted, {len(REFUSED)} refusals, {total} bytes in Fixtures/onnx")


if __name__ == "__main__":
    main()
