#!/usr/bin/env python3
"""Self-check of Tools/nnz.py against the fixtures (no pytest needed).

    python3 Tools/test_nnz.py

Reads every good fixture and checks its golden outputs and self-test, refuses every hostile one
with the expected code, round-trips every good fixture byte for byte, sweeps every truncation and
every single-byte change of a small file, and runs the command line. The last line is
`N passed, M failed`; the exit status is non-zero if anything failed.
"""

from __future__ import annotations

import glob
import math
import os
import random
import subprocess
import sys
import tempfile
import traceback

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import nnz  # noqa: E402

ROOT = os.path.dirname(HERE)
MODELS = os.path.join(ROOT, "Fixtures", "models")
HOSTILE = os.path.join(ROOT, "Fixtures", "hostile")
NNZ_PY = os.path.join(HERE, "nnz.py")

results = {"passed": 0, "failed": 0}


def check(name: str):
    """Decorator-free test runner: `with check("name"):` counts one test."""
    class _Check:
        def __enter__(self):
            return self

        def __exit__(self, kind, value, tb):
            if kind is None:
                results["passed"] += 1
            else:
                results["failed"] += 1
                print(f"FAIL {name}: {kind.__name__}: {value}")
                if not isinstance(value, AssertionError):
                    traceback.print_exception(kind, value, tb)
            return True
    return _Check()


def read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


from make_fixtures import GOOD_MODELS  # noqa: E402

OURS = set(GOOD_MODELS) | {"with_ancillary"}


def good_fixtures() -> list:
    return sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(MODELS, "*.nnz")))


def expect_error(data: bytes, code: str | None = None) -> nnz.NNZError:
    try:
        nnz.read_bytes(data)
    except nnz.NNZError as e:
        assert code is None or e.code == code, f"got {e.code} ({e}), expected {code}"
        return e
    raise AssertionError(f"accepted, expected {code or 'an NNZError'}")


# ----------------------------------------------------------------------------------------------
# A second, deliberately naive implementation of §3's formulas (loops, float64; int8 layers in
# Python integers and numpy float32 scalars) to check nnz.forward's vectorized one.
# ----------------------------------------------------------------------------------------------

def naive_quantize(values: list) -> tuple:
    """FORMAT.md §4 "int8 layers at inference", one value at a time: (q list, zp, r)."""
    lo = hi = np.float32(0)
    for v in values:
        lo, hi = min(lo, v), max(hi, v)
    if hi == lo:
        r, zp = np.float32(1), 0
    else:
        r = np.float32(hi - lo) / np.float32(255)
        zp = min(max(int(np.rint(-lo / r)), 0), 255)
    inv = np.float32(1) / r
    return [min(max(int(np.rint(v * inv)) + zp, 0), 255) for v in values], zp, r


def naive_int8_output(acc: int, zp: int, colsum: int, scale, r, bias) -> float:
    t = np.float32(acc - zp * colsum)
    m = np.float32(scale) * r
    p = t * m
    return float(p + np.float32(bias))


def naive_int8_layer(layer: dict, weight: nnz.Int8Tensor, bias, h: np.ndarray) -> np.ndarray:
    x = [np.float32(v) for v in h.ravel()]
    q, zp, r = naive_quantize(x)
    w = weight.values.astype(int)
    if layer["kind"] == "dense":
        y = np.zeros(layer["outputs"])
        for c in range(layer["outputs"]):
            acc = sum(q[k] * int(w[k, c]) for k in range(layer["inputs"]))
            colsum = sum(int(w[k, c]) for k in range(layer["inputs"]))
            y[c] = naive_int8_output(acc, zp, colsum, weight.scales[c], r,
                                     bias[c] if bias is not None else 0)
        return y
    c_in, height, width = h.shape
    kh, kw, sh, sw = layer["kernel_h"], layer["kernel_w"], layer["stride_h"], layer["stride_w"]
    ph, pw = layer["pad_h"], layer["pad_w"]
    ho, wo = (height + 2 * ph - kh) // sh + 1, (width + 2 * pw - kw) // sw + 1
    y = np.zeros((layer["out_channels"], ho, wo))
    for o in range(layer["out_channels"]):
        colsum = int(w[o].sum())
        for row in range(ho):
            for col in range(wo):
                acc = 0
                for ci in range(c_in):
                    for u in range(kh):
                        for v in range(kw):
                            rr, cc = row * sh - ph + u, col * sw - pw + v
                            inside = 0 <= rr < height and 0 <= cc < width
                            tap = q[(ci * height + rr) * width + cc] if inside else zp
                            acc += tap * int(w[o, ci, u, v])
                y[o, row, col] = naive_int8_output(acc, zp, colsum, weight.scales[o], r,
                                                   bias[o] if bias is not None else 0)
    return y


def naive_forward(model: nnz.Model, x: np.ndarray) -> np.ndarray:
    outputs = []
    for row in np.asarray(x, dtype=np.float32).reshape(-1, model.input_size):
        v = row.copy()
        if model.normalization:
            norm = model.normalization
            a = np.broadcast_to(norm["a"], v.shape).astype(np.float32)
            b = np.broadcast_to(norm["b"], v.shape).astype(np.float32)
            v = (v - a) / b if norm["kind"] == "standard" else (v - a) / (b - a)
        h = v.astype(np.float64).reshape(model.input_shape)
        for i, layer in enumerate(model.layers):
            t = {k.split(".")[2]: nnz.as_float32(model.tensors[k]).astype(np.float64)
                 for k in model.tensors if k.startswith(f"layers.{i}.")}
            kind = layer["kind"]
            stored = model.tensors.get(f"layers.{i}.weight")
            if isinstance(stored, nnz.Int8Tensor):
                bias = nnz.as_float32(model.tensors[f"layers.{i}.bias"]) if layer["has_bias"] else None
                h = naive_int8_layer(layer, stored, bias, h)
            elif kind == "dense":
                y = np.zeros(layer["outputs"])
                for j in range(layer["outputs"]):
                    y[j] = t["bias"][j] if layer["has_bias"] else 0.0
                    for k in range(layer["inputs"]):
                        y[j] += h[k] * t["weight"][k, j]
                h = y
            elif kind in ("conv2d", "maxpool", "avgpool"):
                c_in, height, width = h.shape
                kh, kw, sh, sw = layer["kernel_h"], layer["kernel_w"], layer["stride_h"], layer["stride_w"]
                ph, pw = layer["pad_h"], layer["pad_w"]
                ho, wo = (height + 2 * ph - kh) // sh + 1, (width + 2 * pw - kw) // sw + 1
                c_out = layer["out_channels"] if kind == "conv2d" else c_in
                y = np.zeros((c_out, ho, wo))
                for o in range(c_out):
                    for r in range(ho):
                        for s in range(wo):
                            if kind == "conv2d":
                                acc = t["bias"][o] if layer["has_bias"] else 0.0
                                for ci in range(c_in):
                                    for u in range(kh):
                                        for w in range(kw):
                                            rr, cc = r * sh - ph + u, s * sw - pw + w
                                            if 0 <= rr < height and 0 <= cc < width:
                                                acc += t["weight"][o, ci, u, w] * h[ci, rr, cc]
                            elif kind == "maxpool":
                                acc = -math.inf
                                for u in range(kh):
                                    for w in range(kw):
                                        rr, cc = r * sh - ph + u, s * sw - pw + w
                                        if 0 <= rr < height and 0 <= cc < width:
                                            acc = max(acc, h[o, rr, cc])
                            else:
                                acc, real = 0.0, 0
                                for u in range(kh):
                                    for w in range(kw):
                                        rr, cc = r * sh - ph + u, s * sw - pw + w
                                        if 0 <= rr < height and 0 <= cc < width:
                                            acc += h[o, rr, cc]
                                            real += 1
                                acc /= kh * kw if layer["count_include_pad"] else real
                            y[o, r, s] = acc
                h = y
            elif kind == "globalavgpool":
                y = np.zeros((h.shape[0], 1, 1))
                for o in range(h.shape[0]):
                    y[o, 0, 0] = sum(float(v) for v in h[o].ravel()) / h[o].size
                h = y
            elif kind == "flatten":
                h = h.reshape(-1)
            elif kind == "relu":
                h = np.where(h > 0, h, 0.0)
            elif kind == "leakyrelu":
                alpha = float(np.float32(layer["alpha"]))
                h = np.array([v if v >= 0 else alpha * v for v in h.ravel()]).reshape(h.shape)
            elif kind == "sigmoid":
                h = 1 / (1 + np.exp(-h))
            elif kind == "tanh":
                h = np.tanh(h)
            elif kind == "softmax":
                e = np.exp(h - h.max())
                h = e / e.sum()
            elif kind == "dropout":
                if layer["convention"] == "scale":
                    h = h * (1 - layer["ratio"])
            elif kind == "batchnorm":
                for c in range(layer["channels"]):
                    h[c] = ((h[c] - t["running_mean"][c]) / math.sqrt(t["running_var"][c] + layer["epsilon"])
                            * t["gamma"][c] + t["beta"][c])
        outputs.append(np.asarray(h).reshape(-1))
    return np.array(outputs)


# ----------------------------------------------------------------------------------------------
# Tests
# ----------------------------------------------------------------------------------------------

def test_primitives():
    with check("crc32 check value"):
        assert nnz.crc32(b"123456789") == 0xCBF43926
    with check("NEND chunk bytes (§8)"):
        assert nnz.encode_chunk("NEND", b"") == bytes.fromhex("000000004e454e443b589533")
    with check("byte-shuffle definition (§4)"):
        raw = bytes(range(12))                     # 3 elements of 4 bytes
        assert nnz.shuffle(raw, 4) == bytes([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11])
        assert nnz.unshuffle(nnz.shuffle(raw, 4), 4) == raw
    with check("tiny.nnz is the §12 example, 140 bytes, ARCH TNSR NEND"):
        data = read(os.path.join(MODELS, "tiny.nnz"))
        assert data == nnz.encode_model(nnz.tiny_model())
        info = {}
        nnz.read_bytes(data, info=info)
        assert len(data) == 140 and [c[1] for c in info["chunks"]] == ["ARCH", "TNSR", "NEND"]
        assert data[-12:] == bytes.fromhex("000000004e454e443b589533")


def test_good_fixtures():
    names = good_fixtures()
    with check("good fixtures present"):
        assert len(names) >= 7, names
    kinds, output_kinds, norms, conventions, axes = set(), set(), set(), set(), set()
    for name in names:
        path = os.path.join(MODELS, name + ".nnz")
        model = None
        with check(f"{name}: reads"):
            model = nnz.read_model(path)
        if model is None:
            continue
        kinds.update(layer["kind"] for layer in model.layers)
        output_kinds.add(model.output_kind)
        for layer in model.layers:
            if layer["kind"] == "dense":
                kinds.add("dense+bias" if layer["has_bias"] else "dense-nobias")
            if layer["kind"] == "conv2d":
                kinds.add("conv2d+bias" if layer["has_bias"] else "conv2d-nobias")
                if layer["stride_h"] > 1 and layer["pad_h"] > 0:
                    kinds.add("conv2d-stride-pad")
            if layer["kind"] == "maxpool" and layer["pad_h"] > 0 and layer["stride_h"] > 1:
                kinds.add("maxpool-stride-pad")
            if layer["kind"] == "avgpool" and layer["pad_h"] > 0:
                kinds.add("avgpool-include-pad" if layer["count_include_pad"] else "avgpool-exclude-pad")
            if layer["kind"] == "dropout":
                conventions.add(layer["convention"])
            if layer["kind"] == "batchnorm":
                axes.add(layer["axis"])
        if model.normalization:
            norms.add((model.normalization["kind"], len(model.normalization["a"]) == 1))
        with check(f"{name}: round trip byte for byte"):
            data = read(path)
            assert nnz.encode_model(model) == data
        if model.self_test is not None:
            with check(f"{name}: self-test passes"):
                passed, worst, tolerance = nnz.run_self_test(model)
                assert passed, (worst, tolerance)
        if name not in OURS:
            continue                      # a model someone else put here: no golden CSVs of ours
        header, inputs = nnz.read_csv(os.path.join(MODELS, name + ".input.csv"))
        expected_header, expected = nnz.read_csv(os.path.join(MODELS, name + ".expected.csv"))
        with check(f"{name}: CSV headers"):
            assert header == nnz.input_header(model), header
            assert expected_header == nnz.output_header(model), expected_header
        with check(f"{name}: golden outputs"):
            got = nnz.forward(model, inputs)
            diff = float(np.max(np.abs(got - expected)))
            assert diff <= 1e-6, f"max abs diff {diff}"
        with check(f"{name}: naive second implementation agrees"):
            diff = float(np.max(np.abs(naive_forward(model, inputs) - expected)))
            assert diff <= 1e-6, f"max abs diff {diff}"
        with check(f"{name}: self-test of 4 rows, tolerance 1e-5 (none in tiny, tiny_int8)"):
            if name in ("tiny", "tiny_int8"):
                assert model.self_test is None
            else:
                assert model.self_test["tolerance"] == np.float32(1e-5)
                assert len(model.self_test["inputs"]) == 4
        with check(f"{name}: few KB"):
            assert os.path.getsize(path) < 8192
    with check("coverage: every layer kind and variant"):
        wanted = {"dense+bias", "dense-nobias", "conv2d+bias", "conv2d-nobias", "conv2d-stride-pad",
                  "maxpool-stride-pad", "flatten", "relu", "sigmoid", "tanh", "softmax", "dropout",
                  "batchnorm", "avgpool-include-pad", "avgpool-exclude-pad", "globalavgpool",
                  "leakyrelu"}
        assert wanted <= kinds, wanted - kinds
    with check("coverage: output kinds, dropout conventions, batchnorm axes, NORM kinds/counts"):
        assert output_kinds == {"scores", "probabilities", "regression"}, output_kinds
        assert conventions == {"inverted", "scale"} and axes == {"features", "channels"}
        assert norms == {("standard", True), ("standard", False), ("minmax", True),
                         ("minmax", False)}, norms
    with check("coverage: every well-known META key, free keys of all 4 types"):
        meta = nnz.read_model(os.path.join(MODELS, "mlp_all_meta.nnz")).metadata
        for key in nnz.WELL_KNOWN_STRINGS + ("feature_names", "class_labels"):
            assert key in meta, key
        assert any(k.startswith("training.") for k in meta)
        free = {type(v) for k, v in meta.items() if k.startswith("x.")}
        assert free == {str, float, bool, list}, free
        keys = [k.encode() for k in meta]
        assert keys == sorted(keys)
    with check("with_ancillary.nnz holds two ancillary chunks, carried along in place"):
        info = {}
        model = nnz.read_model(os.path.join(MODELS, "with_ancillary.nnz"), info=info)
        assert [s[1] for s in info["skipped"]] == ["prVt", "zzzz"]
        plain_info = {}
        plain = nnz.read_model(os.path.join(MODELS, "regression.nnz"), info=plain_info)
        known = len(plain_info["chunks"]) - 1          # every chunk but NEND
        assert model.ancillary == [("prVt", b"private producer data \x00\x01\x02\xff", 2),
                                   ("zzzz", b"", known)], model.ancillary
        model.ancillary = []
        assert nnz.encode_model(model) == nnz.encode_model(plain) == read(os.path.join(MODELS, "regression.nnz"))
    with check("ancillary chunks built in memory go before NEND, in order; bad types refused"):
        model = nnz.read_model(os.path.join(MODELS, "tiny.nnz"))
        model.ancillary = [("abCd", b"1"), ("wxyz", b"22", 1)]
        data = nnz.encode_model(model)
        back = nnz.read_bytes(data)
        assert back.ancillary == [("wxyz", b"22", 1), ("abCd", b"1", 2)], back.ancillary
        assert nnz.encode_model(back) == data
        for bad in ("QNTZ", "test", "ab1d", "abc"):
            model.ancillary = [(bad, b"")]
            try:
                nnz.encode_model(model)
            except nnz.NNZError as e:
                assert e.code == "writeFailed", e
            else:
                raise AssertionError(f"{bad} written")
    with check("both codecs occur among the fixtures"):
        codecs = set()
        for name in names:
            info = {}
            nnz.read_model(os.path.join(MODELS, name + ".nnz"), info=info)
            codecs.update(t["codec"] for t in info["tensors"].values())
        assert codecs == {0, 1}, codecs


def test_hostile():
    with open(os.path.join(HOSTILE, "expected.tsv")) as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    listed = {file: code for file, code in rows}
    on_disk = {os.path.basename(p) for p in glob.glob(os.path.join(HOSTILE, "*.nnz"))}
    with check("hostile: expected.tsv lists exactly the files on disk"):
        assert set(listed) == on_disk, set(listed) ^ on_disk
    for file, code in rows:
        with check(f"hostile {file}: {code}"):
            assert code in nnz.ERROR_CODES
            try:
                nnz.read_model(os.path.join(HOSTILE, file))
            except nnz.NNZError as e:
                assert e.code == code, f"got {e.code}: {e}"
                assert str(e).startswith(os.path.join(HOSTILE, file) + ": ")
            else:
                raise AssertionError("accepted")
    for file in ("crlf_damaged.nnz", "lf_damaged.nnz"):
        with check(f"hostile {file}: message names the text-mode transfer"):
            e = expect_error(read(os.path.join(HOSTILE, file)), "badSignature")
            assert "text-mode" in e.message, e.message
    with check("hostile: unknown critical chunk is named with the file's version"):
        e = expect_error(read(os.path.join(HOSTILE, "unknown_critical_QNTZ.nnz")), "unknownCriticalChunk")
        assert "QNTZ" in e.message and "1.0" in e.message and e.chunk == "QNTZ"
    with check("hostile: needs-newer-reader names the version"):
        e = expect_error(read(os.path.join(HOSTILE, "needs_reader_1_2.nnz")), "unsupportedVersion")
        assert "needs reader 1.2; this reader implements format 1.1" in e.message, e.message


def read_as_1_0(data: bytes) -> nnz.NNZError:
    """The error a format 1.0 reader gives for `data`."""
    try:
        nnz.read_bytes(data, reader_version=(1, 0))
    except nnz.NNZError as e:
        return e
    raise AssertionError("a 1.0 reader accepted it")


def test_versions():
    tiny = read(os.path.join(MODELS, "tiny.nnz"))
    new = read(os.path.join(MODELS, "cnn_avgpool_leaky.nnz"))
    with check("version: a file without the 1.1 kinds and dtypes is written as 1.0, both header fields"):
        assert tiny[8:16] == bytes([1, 0, 0, 0, 1, 0, 0, 0])
        for name in good_fixtures():
            data = read(os.path.join(MODELS, name + ".nnz"))
            model = nnz.read_bytes(data)
            kinds = {layer["kind"] for layer in model.layers}
            dtypes = {nnz.tensor_dtype(t) for t in model.tensors.values()}
            uses_new = bool(kinds & {"avgpool", "globalavgpool", "leakyrelu"}) or dtypes != {1}
            minor = 1 if uses_new else 0
            assert data[8:16] == bytes([1, 0, minor, 0, 1, 0, minor, 0]), name
    with check("version: a file with a 1.1 kind is written as 1.1, both header fields"):
        assert new[8:16] == bytes([1, 0, 1, 0, 1, 0, 1, 0]), new[8:16].hex()
        for kind in ({"kind": "leakyrelu", "alpha": 0.5}, {"kind": "globalavgpool"}):
            layers = [kind, {"kind": "flatten"}] if kind["kind"] == "globalavgpool" else [kind]
            shape = (2, 3, 3) if kind["kind"] == "globalavgpool" else (3,)
            data = nnz.encode_model(nnz.Model(input_shape=shape, output_kind="scores", layers=layers))
            assert data[8:16] == bytes([1, 0, 1, 0, 1, 0, 1, 0]), kind
    with check("version: a 1.0 reader given the 1.1 fixture says it needs reader 1.1"):
        e = read_as_1_0(new)
        assert e.code == "unsupportedVersion" and e.offset == 12, e
        assert "needs reader 1.1; this reader implements format 1.0" in e.message, e.message
        e = read_as_1_0(read(os.path.join(HOSTILE, "needs_reader_1_1.nnz")))
        assert e.code == "unsupportedVersion" and "needs reader 1.1" in e.message, e
        nnz.read_bytes(tiny, reader_version=(1, 0))
    with check("version: to a 1.0 reader the 1.1 kinds are unknown kinds"):
        e = read_as_1_0(read(os.path.join(HOSTILE, "avgpool_in_1_0_file.nnz")))
        assert e.code == "malformed" and "unknown layer kind 11" in e.message, e
    with check("version: a 1.1 kind in a file claiming min_reader 1.0 is malformed, naming layer and kind"):
        from make_fixtures import split_chunks
        e = expect_error(nnz.assemble(split_chunks(new)), "malformed")
        assert e.message.startswith("layer 1 is leakyrelu (kind 13), a kind of format 1.1, but the "
                                    "file declares min_reader_version 1.0"), e.message
        assert e.chunk == "ARCH"
        # version 1.1 with min_reader 1.0 is no better: min_reader is what counts
        e = expect_error(nnz.assemble(split_chunks(new), version=(1, 1)), "malformed")
        # ... and a 1.0 file that over-declares min_reader 1.1 is read, and written back as 1.0
        model = nnz.read_bytes(nnz.assemble(split_chunks(tiny), version=(1, 1), min_reader=(1, 1)))
        assert nnz.encode_model(model) == tiny


def test_new_kinds():
    """The semantics of §3 for the 1.1 kinds, on numbers worked out by hand."""
    image = np.arange(1, 10, dtype=np.float32).reshape(1, 1, 3, 3)   # 1 2 3 / 4 5 6 / 7 8 9

    def run(layers, x=image, shape=(1, 3, 3)):
        return nnz.forward(nnz.Model(input_shape=shape, output_kind="scores",
                                     layers=layers + [{"kind": "flatten"}]), x)[0]

    def pool(include, pad=1, stride=2):
        return {"kind": "avgpool", "kernel_h": 2, "kernel_w": 2, "stride_h": stride,
                "stride_w": stride, "pad_h": pad, "pad_w": pad, "count_include_pad": include}
    with check("avgpool 2x2 stride 2 pad 1, exclude padding: the mean of the real values"):
        # windows: {1}, {2,3}, {4,7}, {5,6,8,9}
        assert np.allclose(run([pool(False)]), [1, 2.5, 5.5, 7])
    with check("avgpool 2x2 stride 2 pad 1, include padding: the sum over 4"):
        assert np.allclose(run([pool(True)]), [0.25, 1.25, 2.75, 7])
    with check("avgpool without padding: both counts agree"):
        assert np.allclose(run([pool(False, 0, 1)]), [3, 4, 6, 7])
        assert np.allclose(run([pool(True, 0, 1)]), [3, 4, 6, 7])
    with check("globalavgpool: [C, H, W] -> [C, 1, 1], each channel's mean"):
        x = np.stack([image[0, 0], -2 * image[0, 0]]).reshape(1, 2, 3, 3)
        assert np.allclose(run([{"kind": "globalavgpool"}], x, (2, 3, 3)), [5, -10])
        assert nnz.infer_shapes((2, 3, 3), [{"kind": "globalavgpool"}, {"kind": "flatten"}]) == \
            [(2, 1, 1), (2,)]
    with check("leakyrelu: x for x >= 0, alpha x below, on any shape"):
        x = np.array([[-2, -0.5, 0, 3]], dtype=np.float32)
        y = nnz.forward(nnz.Model(input_shape=(4,), output_kind="scores",
                                  layers=[{"kind": "leakyrelu", "alpha": 0.1}]), x)[0]
        assert np.allclose(y, [-0.2, -0.05, 0, 3])
        assert np.allclose(run([{"kind": "leakyrelu", "alpha": -1.0}], -image), image.ravel())
    with check("the 1.1 kinds round-trip through the writer"):
        model = nnz.read_model(os.path.join(MODELS, "cnn_avgpool_leaky.nnz"))
        assert [layer["kind"] for layer in model.layers].count("avgpool") == 2
        assert {layer["count_include_pad"] for layer in model.layers
                if layer["kind"] == "avgpool"} == {True, False}
        assert nnz.encode_model(model) == read(os.path.join(MODELS, "cnn_avgpool_leaky.nnz"))


# Issue 8's spec rules: each hostile file's message names the real cause, in the same words as
# the Swift reader (Tests/NNZFormatTests/SpecRuleTests.swift holds the same table).
RULE_MESSAGES = {
    "feature_names_duplicate.nnz": "compared as UTF-8 bytes",
    "class_labels_duplicate.nnz": "compared as UTF-8 bytes",
    "shuffle_without_zlib.nnz": "byte-shuffle filter requires codec 1 (zlib)",
    "probabilities_without_softmax.nnz": "needs a final softmax or sigmoid layer",
    "file_length_over_limit.nnz": "file_length 2147483649",
    "norm_minmax_overflow.nnz": "overflows float32",
    "zlib_missing_adler.nnz": "ends before its end marker / Adler-32 checksum",
    "conv_padded_input_65535.nnz": "layer 0 (conv2d): zero-padded input 1×131071×131071 exceeds "
                                   "2^28 elements per sample",
    "conv_padded_input_10000.nnz": "layer 0 (conv2d): zero-padded input 1×20001×20001 exceeds "
                                   "2^28 elements per sample",
    "tensor_too_large.nnz": "layers.0.weight",
    # format 1.1 (the same phrases in Tests/NNZFormatTests/FormatVersionTests.swift)
    "needs_reader_1_2.nnz": "needs reader 1.2; this reader implements format 1.1",
    "avgpool_include_pad_2.nnz": "count_include_pad is 2",
    "avgpool_pad_ge_kernel.nnz": "must be smaller than",
    "leakyrelu_alpha_nan.nnz": "alpha nan must be finite",
    "leakyrelu_alpha_inf.nnz": "alpha inf must be finite",
    "avgpool_in_1_0_file.nnz": "layer 0 is avgpool (kind 11), a kind of format 1.1, but the file "
                               "declares min_reader_version 1.0",
    "unknown_layer_kind.nnz": "layer 1 is avgpool (kind 11), a kind of format 1.1",
    "unknown_layer_kind_14.nnz": "unknown layer kind 14",
    "globalavgpool_on_flat_input.nnz": "globalavgpool",
    # format 1.1 dtypes: the whole message, word for word the Swift reader's (FixtureTests.swift
    # compares the two readers' messages and offsets on every one of these files)
    "int8_raw_length_wrong.nnz": "tensor layers.0.weight raw_length is 24, its shape [3, 4] of "
                                 "int8 with 4 scales needs 28",
    "float16_raw_length_wrong.nnz": "tensor layers.0.weight raw_length is 48, its shape [3, 4] of "
                                    "float16 needs 24",
    "int8_scale_zero.nnz": "scale 2 of tensor layers.0.weight is 0.0; an int8 scale must be "
                           "finite and > 0",
    "int8_scale_negative.nnz": "scale 2 of tensor layers.0.weight is -1.5; an int8 scale must be "
                               "finite and > 0",
    "int8_scale_inf.nnz": "scale 2 of tensor layers.0.weight is inf; an int8 scale must be "
                          "finite and > 0",
    "int8_scale_nan.nnz": "scale 2 of tensor layers.0.weight is nan; an int8 scale must be "
                          "finite and > 0",
    "int8_value_minus_128.nnz": "tensor layers.0.weight holds -128 at element 5; int8 weights are "
                                "symmetric, -127...127",
    "int8_on_bias.nnz": "tensor layers.0.bias has dtype 3 (int8); only dense and conv2d weights "
                        "may be int8",
    "int8_on_batchnorm.nnz": "tensor layers.0.gamma has dtype 3 (int8); only dense and conv2d "
                             "weights may be int8",
    "float16_nan.nnz": "tensor layers.0.weight holds nan (float16 0x7E00) at element 7; float16 "
                       "values must be finite",
    "float16_inf.nnz": "tensor layers.0.bias holds -inf (float16 0xFC00) at element 3; float16 "
                       "values must be finite",
    "int8_in_1_0_file.nnz": "tensor layers.0.weight has dtype 3 (int8), which needs min_reader "
                            "1.1; the file says 1.0",
    "dtype_float16.nnz": "tensor layers.0.weight has dtype 2 (float16), which needs min_reader "
                         "1.1; the file says 1.0",
    "dtype_4_unknown.nnz": "tensor layers.0.weight has dtype 4; format 1.1 knows 1 (float32), "
                           "2 (float16), 3 (int8)",
    "int8_dense_70000_inputs.nnz": "layer 0 (dense): int8 weights with reduction length 70000 "
                                   "(inputs) exceed the limit 66311, up to which int32 "
                                   "accumulation cannot overflow",
    "int8_conv_reduction_69192.nnz": "layer 0 (conv2d): int8 weights with reduction length 69192 "
                                     "(in_channels·kernel_h·kernel_w) exceed the limit 66311, up "
                                     "to which int32 accumulation cannot overflow",
}
DTYPE_FILES = [name for name in RULE_MESSAGES if name.startswith(("int8_", "float16_", "dtype_"))]


def test_spec_rules():
    for file, phrase in RULE_MESSAGES.items():
        with check(f"rule {file}: the message names the cause"):
            try:
                nnz.read_model(os.path.join(HOSTILE, file))
            except nnz.NNZError as e:
                assert phrase in e.message, e.message
            else:
                raise AssertionError("accepted")
    with check("rule: the 217-byte file of issue 8 is 217 bytes, refused at ARCH"):
        data = read(os.path.join(HOSTILE, "conv_padded_input_65535.nnz"))
        assert len(data) == 217
        assert expect_error(data, "limitExceeded").chunk == "ARCH"
    with check("rule: names are byte strings, e\\u0301 and \\u00e9 are two names"):
        model = nnz.read_model(os.path.join(MODELS, "tiny.nnz"))
        model.metadata = {"feature_names": ["e\u0301", "\u00e9"],
                          "class_labels": ["\u00c5", "A\u030a"],
                          "x.e\u0301": 1.0, "x.\u00e9": 2.0}
        data = nnz.encode_model(model)
        back = nnz.read_bytes(data)
        assert back.metadata["feature_names"] == ["e\u0301", "\u00e9"]
        assert back.metadata["x.\u00e9"] == 2.0 and len(back.metadata) == 4
        assert nnz.encode_model(back) == data
    with check("rule: output kind 1 takes a final softmax or sigmoid, nothing else"):
        model = nnz.read_model(os.path.join(MODELS, "tiny.nnz"))
        model.layers[1] = {"kind": "sigmoid"}
        nnz.read_bytes(nnz.encode_model(model))
        model.layers[1] = {"kind": "relu"}
        try:
            nnz.encode_model(model)
        except nnz.NNZError as e:
            assert e.code == "writeFailed" and "softmax or sigmoid" in e.message, e
        else:
            raise AssertionError("written")


def write_error(action) -> nnz.NNZError:
    try:
        action()
    except nnz.NNZError as e:
        assert e.code == "writeFailed", e
        return e
    raise AssertionError("no error")


def test_dtypes():
    f32 = np.float32
    with check("dtype files: each whole message, the offset of the culprit in raw tensors"):
        for file in DTYPE_FILES:
            e = expect_error(read(os.path.join(HOSTILE, file)))
            assert e.message == RULE_MESSAGES[file], (file, e.message)
        e = expect_error(read(os.path.join(HOSTILE, "int8_value_minus_128.nnz")), "malformed")
        from make_fixtures import split_chunks
        chunks = split_chunks(read(os.path.join(HOSTILE, "int8_value_minus_128.nnz")))
        weight_at = 28 + 12 + len(chunks[0][1]) + 8                   # TNSR data start
        stored_at = weight_at + 4 + 15 + 4 + 8 + 8                    # name, 4 bytes, 2 dims, raw_length
        assert e.offset == stored_at + 4 * 4 + 5, (e.offset, stored_at)
        e = expect_error(read(os.path.join(HOSTILE, "int8_scale_zero.nnz")), "malformed")
        assert e.offset == stored_at + 4 * 2, e.offset
        e = expect_error(read(os.path.join(HOSTILE, "int8_dense_70000_inputs.nnz")), "limitExceeded")
        assert e.offset == 28 + 12 + 1 + 1 + 4 + 4 + 10 + 8 + 4 + 15, e.offset   # its dtype byte
    with check("float16: every tie between adjacent finite halves rounds to the even one"):
        bits = np.arange(0, 0x7BFF, dtype=np.uint16)                   # 0 .. below 65504
        low = bits.view(np.float16).astype(f32)
        high = (bits + 1).view(np.float16).astype(f32)
        mid = (low + high) / f32(2)                                    # exact: 12 significant bits
        even = np.where(bits % 2 == 0, bits, bits + 1)
        for sign in (1, -1):
            got = nnz.to_float16("t", sign * mid).view(np.uint16)
            assert np.array_equal(got & 0x7FFF, even), np.flatnonzero((got & 0x7FFF) != even)[:5]
            above = nnz.to_float16("t", sign * np.nextafter(mid, f32(np.inf))).view(np.uint16)
            assert np.array_equal(above & 0x7FFF, bits + 1)
            below = nnz.to_float16("t", sign * np.nextafter(mid, f32(0))).view(np.uint16)
            assert np.array_equal(below & 0x7FFF, bits)
    with check("float16: widening is exact, every finite half round-trips"):
        halves = np.arange(0, 0x10000, dtype=np.uint32).astype(np.uint16)
        finite = halves[(halves & 0x7C00) != 0x7C00]
        widened = finite.view(np.float16).astype(f32)
        assert np.array_equal(nnz.to_float16("t", widened).view(np.uint16), finite)
    with check("float16: subnormals and signed zeros"):
        cases = {2.0 ** -24: 0x0001, 2.0 ** -25: 0x0000, 1.5 * 2.0 ** -25: 0x0001,
                 3 * 2.0 ** -25: 0x0002, 2.0 ** -14 - 2.0 ** -25: 0x0400, 1e-10: 0x0000,
                 -2.0 ** -24: 0x8001, -0.0: 0x8000, 3e-6: 0x0032, 65504: 0x7BFF,
                 65519.99: 0x7BFF, -65519.99: 0xFBFF}
        got = nnz.to_float16("t", np.array(list(cases), f32)).view(np.uint16)
        assert [int(v) for v in got] == list(cases.values()), [hex(v) for v in got]
    with check("float16: overflow and NaN are write errors naming tensor, value and element"):
        e = write_error(lambda: nnz.to_float16("layers.0.weight", np.array([1, 2, 3, 65520], f32)))
        assert e.message == "tensor layers.0.weight value 65520.0 at element 3 is out of float16 " \
                            "range (|x| <= 65504)", e.message
        e = write_error(lambda: nnz.to_float16("layers.1.bias", np.array([-70000.5], f32)))
        assert e.message == "tensor layers.1.bias value -70000.5 at element 0 is out of float16 " \
                            "range (|x| <= 65504)", e.message
        e = write_error(lambda: nnz.to_float16("b", np.array([0, np.nan], f32)))
        assert e.message == "tensor b value nan at element 1 cannot be stored as float16 (values " \
                            "must be finite)", e.message
        e = write_error(lambda: nnz.to_float16("b", np.array([-np.inf], f32)))
        assert "value -inf at element 0 is out of float16 range" in e.message, e.message

    def reference_int8(channels):
        """Per channel by the rule, in numpy float32 scalars: (scale, values)."""
        out = []
        for values in channels:
            m = max((abs(f32(v)) for v in values), default=f32(0))
            if m == 0:
                out.append((f32(1), [0] * len(values)))
                continue
            scale = f32(m) / f32(127)
            out.append((scale, [int(min(max(np.rint(f32(v) / scale), -127), 127)) for v in values]))
        return out
    with check("int8: dense weights get one scale per column (axis 1), ties to even"):
        w = np.array([[1, -1], [0.5, 2]], f32)
        t = nnz.to_int8("layers.0.weight", w, 1)
        assert t.values.tolist() == [[127, -64], [64, 127]], t.values.tolist()   # ±63.5 -> ±64
        assert t.scales.tolist() == [f32(1) / f32(127), f32(2) / f32(127)]
        rng = np.random.default_rng(5)
        w = (rng.standard_normal((7, 5)) * [1, 10, 0.01, 100, 0]).astype(f32)
        t = nnz.to_int8("w", w, 1)
        for c, (scale, values) in enumerate(reference_int8(w.T)):
            assert t.scales[c] == scale and t.values[:, c].tolist() == values, c
        assert t.scales[4] == 1 and not t.values[:, 4].any()          # an all-zero column
        assert np.array_equal(t.dequantize(), t.values.astype(f32) * t.scales[None, :])
    with check("int8: conv2d weights get one scale per output channel (axis 0)"):
        rng = np.random.default_rng(6)
        w = (rng.standard_normal((3, 2, 3, 3)) * np.array([1, 0.001, 50])[:, None, None, None]).astype(f32)
        t = nnz.to_int8("w", w, 0)
        for o, (scale, values) in enumerate(reference_int8(w.reshape(3, -1))):
            assert t.scales[o] == scale and t.values[o].ravel().tolist() == values, o
        assert t.values.shape == (3, 2, 3, 3) and np.abs(t.values).max() == 127
    with check("int8: another axis, a non-finite value or a vanishing channel is a write error"):
        e = write_error(lambda: nnz.to_int8("w", np.ones((2, 3), f32), 0))
        assert e.message == "tensor w [2, 3]: int8 scales run along axis 1 of a rank-2 (dense) " \
                            "weight or axis 0 of a rank-4 (conv2d) weight, not axis 0 of rank 2", e.message
        e = write_error(lambda: nnz.to_int8("w", np.array([[1, np.inf]], f32), 1))
        assert e.message == "tensor w value inf at element 1 cannot be quantized to int8 (values " \
                            "must be finite)", e.message
        e = write_error(lambda: nnz.to_int8("w", np.array([[1.0], [1e-45]], f32).T, 1))
        assert e.message.startswith("tensor w channel 1: its largest |value| 1e-45 is too small"), e.message
    with check("int8 writer policy: the scale part shuffled as float32, the values as they are"):
        rng = np.random.default_rng(7)
        weight = nnz.to_int8("layers.0.weight", rng.laplace(0, 1, (64, 48)).astype(f32), 1)
        model = nnz.Model(input_shape=(64,), output_kind="scores",
                          layers=[{"kind": "dense", "inputs": 64, "outputs": 48, "has_bias": False}],
                          tensors={"layers.0.weight": weight})
        data = nnz.encode_model(model)
        info = {}
        back = nnz.read_bytes(data, info=info)
        assert back.tensors["layers.0.weight"] == weight
        t = info["tensors"]["layers.0.weight"]
        assert (t["dtype"], t["codec"], t["filter"], t["raw_length"]) == (3, 1, 1, 4 * 48 + 64 * 48)
        stored = data[t["offset"] + 8 + 4 + 15 + 4 + 8 + 8:][:t["stored_length"]]
        filtered = __import__("zlib").decompress(stored)
        assert filtered[:192] == nnz.shuffle(weight.scales.astype("<f4").tobytes(), 4)
        assert filtered[192:] == weight.values.tobytes()
        assert data[8:16] == bytes([1, 0, 1, 0, 1, 0, 1, 0])
    with check("float16 writer policy: 2-byte planes, raw when not shorter"):
        rng = np.random.default_rng(8)
        half = rng.standard_normal((64, 16)).astype(np.float16)
        model = nnz.Model(input_shape=(64,), output_kind="scores",
                          layers=[{"kind": "dense", "inputs": 64, "outputs": 16, "has_bias": True}],
                          tensors={"layers.0.weight": half, "layers.0.bias": np.ones(16, np.float16)})
        info = {}
        data = nnz.encode_model(model)
        back = nnz.read_bytes(data, info=info)
        assert back.tensors["layers.0.weight"].tobytes() == half.tobytes()
        w, b = info["tensors"]["layers.0.weight"], info["tensors"]["layers.0.bias"]
        assert (w["dtype"], w["codec"], w["filter"], w["raw_length"]) == (2, 1, 1, 2048)
        assert (b["dtype"], b["raw_length"]) == (2, 32)
        stored = data[w["offset"] + 8 + 4 + 15 + 4 + 8 + 8:][:w["stored_length"]]
        assert __import__("zlib").decompress(stored) == nnz.shuffle(half.astype("<f2").tobytes(), 2)
    with check("versions: a 1.0 reader says an int8 or float16 file needs reader 1.1"):
        for name in ("mlp_int8", "cnn_f16", "tiny_int8"):
            e = read_as_1_0(read(os.path.join(MODELS, name + ".nnz")))
            assert e.code == "unsupportedVersion" and e.offset == 12, e
            assert e.message == "this file is format 1.1 and needs reader 1.1; this reader " \
                                "implements format 1.0", e.message
        e = read_as_1_0(read(os.path.join(HOSTILE, "dtype_float16.nnz")))
        assert e.message == "tensor layers.0.weight has dtype 2; format 1.0 knows only 1 (float32)", e
    with check("int8 inference by hand: tiny_int8 on [1, 0] and [-1, 1]; a zero point, a clipped q"):
        model = nnz.read_model(os.path.join(MODELS, "tiny_int8.nnz"))
        w = model.tensors["layers.0.weight"]
        y = nnz.int8_dense(np.array([[1, 0], [-1, 1]], f32), w, None)
        r = f32(1) / f32(255)                     # [1, 0]: lo 0, hi 1, zp 0; 1 / r = 254.99998
        assert nnz.quantize_input_u8(np.array([1, 0], f32))[0].tolist() == [255, 0]
        assert y[0].tolist() == [f32(255 * 127) * (w.scales[0] * r), f32(255 * -64) * (w.scales[1] * r)]
        # [-1, 1]: r = 2 / 255 in float32 makes -lo / r = 127.49999, so zp is 127, not 128
        r = f32(2) / f32(255)
        q, zp, r8 = nnz.quantize_input_u8(np.array([-1, 1], f32))
        assert (q.tolist(), zp, r8) == ([0, 254], 127, r), (q, zp, r8)
        colsum = w.values.astype(int).sum(axis=0)
        acc = np.array([0, 254]) @ w.values.astype(int)
        assert y[1].tolist() == [f32(acc[c] - 127 * colsum[c]) * (w.scales[c] * r) for c in range(2)]
        # rint(14.59375 / r) + zp = 234 + 22 = 256: clamped to 255
        q, zp, _ = nnz.quantize_input_u8(np.array([-1.34375, 14.59375], f32))
        assert (q.tolist(), zp) == ([0, 255], 22), (q, zp)
        assert nnz.quantize_input_u8(np.zeros(3, f32))[1:] == (0, f32(1))
    with check("int8 conv2d: padding taps read the zero point, so padded outputs are the bias"):
        layer = {"kind": "conv2d", "in_channels": 1, "out_channels": 1, "kernel_h": 1, "kernel_w": 1,
                 "stride_h": 1, "stride_w": 1, "pad_h": 1, "pad_w": 1, "has_bias": True}
        w = nnz.to_int8("w", np.array([[[[0.75]]]], f32), 0)
        x = np.array([[[[-1.0, 2.0], [0.5, -0.25]]]], f32)
        y = nnz.int8_conv2d(x, w, np.array([0.125], f32), layer)[0, 0]
        assert y[0].tolist() == [0.125] * 4 and y[:, 0].tolist() == [0.125] * 4, y
        assert abs(y[1, 1] - (-0.75 + 0.125)) < 0.01, y
    with check("fold_batchnorm: weights and bias in float32 as documented; outputs unchanged"):
        from make_fixtures import source_cnn, source_mlp
        model, inputs = source_cnn()
        folded = nnz.fold_batchnorm(model)
        assert [layer["kind"] for layer in folded.layers] == ["conv2d", "relu", "maxpool", "flatten",
                                                              "dense", "softmax"]
        assert folded.layers[0]["has_bias"] and not model.layers[0]["has_bias"]
        t = model.tensors
        k = t["layers.1.gamma"] / np.sqrt(t["layers.1.running_var"] + f32(model.layers[1]["epsilon"]))
        assert folded.tensors["layers.0.weight"].tobytes() == (t["layers.0.weight"] * k[:, None, None, None]).tobytes()
        assert folded.tensors["layers.0.bias"].tobytes() == \
            ((f32(0) - t["layers.1.running_mean"]) * k + t["layers.1.beta"]).tobytes()
        assert folded.tensors["layers.4.weight"].tobytes() == t["layers.5.weight"].tobytes()
        assert np.max(np.abs(nnz.forward(folded, inputs) - nnz.forward(model, inputs))) < 1e-6
        mlp, _ = source_mlp()
        assert nnz.encode_model(nnz.fold_batchnorm(mlp)) == nnz.encode_model(mlp)   # nothing to fold
    with check("quantize_model: int8 only on dense/conv2d weights, float16 everywhere, self-tests pass"):
        from make_fixtures import source_cnn
        model, _ = source_cnn()
        small = nnz.quantize_model(model, "int8")
        assert {n: nnz.tensor_dtype(v) for n, v in small.tensors.items()} == {
            "layers.0.weight": 3, "layers.0.bias": 1, "layers.4.weight": 3, "layers.4.bias": 1}
        half = nnz.quantize_model(model, "float16")
        assert [layer["kind"] for layer in half.layers] == [layer["kind"] for layer in model.layers]
        assert {nnz.tensor_dtype(v) for v in half.tensors.values()} == {2}
        for converted in (small, half):
            assert nnz.run_self_test(nnz.read_bytes(nnz.encode_model(converted)))[0]
        assert nnz.encode_model(nnz.quantize_model(half, "float16")) == nnz.encode_model(half)
    with check("writer refuses bad int8 / float16 tensors with the reader's words"):
        model = nnz.read_model(os.path.join(MODELS, "tiny_int8.nnz"))
        model.tensors["layers.0.weight"].values[1, 0] = -128
        e = write_error(lambda: nnz.encode_model(model))
        assert "holds -128 at element 2; int8 weights are symmetric" in e.message, e.message
        model = nnz.read_model(os.path.join(MODELS, "mlp_int8.nnz"))
        model.tensors["layers.0.bias"] = nnz.Int8Tensor(np.ones(1, f32), np.ones(48, np.int8))
        e = write_error(lambda: nnz.encode_model(model))
        assert "only dense and conv2d weights may be int8" in e.message, e.message
    with check("inspect and dump show the dtype"):
        r = run_cli("inspect", os.path.join(MODELS, "mlp_int8.nnz"))
        assert r.returncode == 0 and " int8 " in r.stdout and " float32 " in r.stdout, r
        r = run_cli("dump", os.path.join(MODELS, "tiny_int8.nnz"))
        assert "dtype = 3 (int8)" in r.stdout and "scales = [0.007874016, 0.015748031]" in r.stdout, r.stdout
        assert "7f c0 40 7f              values = [127, -64, 64, 127] (raw int8)" in r.stdout, r.stdout
        r = run_cli("inspect", os.path.join(MODELS, "cnn_f16.nnz"))
        assert r.returncode == 0 and r.stdout.count(" float16 ") == 7, r.stdout


def test_format_md_dumps():
    """FORMAT.md §12.1 and §12.2 show `nnz.py dump` of tiny.nnz and tiny_int8.nnz: still true."""
    with open(os.path.join(ROOT, "docs", "FORMAT.md"), encoding="utf-8") as f:
        page = f.read()
    for section, name in (("### 12.1", "tiny"), ("### 12.2", "tiny_int8")):
        with check(f"FORMAT.md {section[4:]}: the hex dump of {name}.nnz is nnz.py dump's output"):
            start = page.index("```\noffset", page.index(section)) + 4
            shown = page[start:page.index("```", start)].rstrip("\n").splitlines()
            r = run_cli("dump", os.path.join(MODELS, name + ".nnz"))
            lines = r.stdout.rstrip("\n").splitlines()
            assert r.returncode == 0 and shown[0] == lines[0], shown[0]
            first = lines.index(shown[1])          # §12.2 starts at the TNSR
            assert lines[first:] == shown[1:], "\n".join(l for l in shown[1:] if l not in lines)


def test_sweeps():
    data = read(os.path.join(MODELS, "xor_nobias.nnz"))
    with check(f"every truncation of xor_nobias.nnz ({len(data)} lengths) is 'truncated'"):
        for length in range(len(data)):
            expect_error(data[:length], "truncated")
    tiny = read(os.path.join(MODELS, "tiny.nnz"))
    with check(f"every single-byte change of tiny.nnz ({len(tiny) * 255} files) raises NNZError"):
        codes = {}
        for offset in range(len(tiny)):
            for value in range(256):
                if value == tiny[offset]:
                    continue
                mutated = tiny[:offset] + bytes([value]) + tiny[offset + 1:]
                e = expect_error(mutated)
                codes[e.code] = codes.get(e.code, 0) + 1
        assert set(codes) <= set(nnz.ERROR_CODES)
    with check("random multi-byte corruption of every good fixture raises only NNZError"):
        rng = random.Random(1234)
        for name in good_fixtures():
            original = read(os.path.join(MODELS, name + ".nnz"))
            for _ in range(300):
                mutated = bytearray(original)
                for _ in range(rng.randint(1, 8)):
                    mutated[rng.randrange(len(mutated))] = rng.randrange(256)
                if rng.random() < 0.3:
                    mutated = mutated[:rng.randrange(len(mutated) + 1)]
                try:
                    nnz.read_bytes(bytes(mutated))
                except nnz.NNZError:
                    pass
    with check("CRC-valid structural fuzz (fields rewritten, CRCs recomputed) raises only NNZError"):
        rng = random.Random(99)
        from make_fixtures import split_chunks
        for name in ("cnn", "mlp_all_meta", "xor_nobias", "cnn_avgpool_leaky"):
            chunks = split_chunks(read(os.path.join(MODELS, name + ".nnz")))
            for _ in range(1500):
                index = rng.randrange(len(chunks))
                ctype, body = chunks[index]
                body = bytearray(body)
                if body:
                    for _ in range(rng.randint(1, 3)):
                        body[rng.randrange(len(body))] = rng.choice([0, 1, 2, 3, 0x7F, 0x80, 0xFF,
                                                                     rng.randrange(256)])
                mutated = list(chunks)
                mutated[index] = (ctype, bytes(body))
                try:
                    model = nnz.read_bytes(nnz.assemble(mutated))
                    if model.self_test is not None:
                        nnz.run_self_test(model)
                except nnz.NNZError:
                    pass


def test_writer():
    with check("writer: tiny tensor raw, big tensor shuffle+zlib"):
        model = nnz.Model(input_shape=(64,), output_kind="regression",
                          layers=[{"kind": "dense", "inputs": 64, "outputs": 3, "has_bias": True}],
                          tensors={"layers.0.weight": np.full((64, 3), 0.5, np.float32),
                                   "layers.0.bias": np.array([1, 2, 3], np.float32)})
        info = {}
        nnz.read_bytes(nnz.encode_model(model), info=info)
        assert (info["tensors"]["layers.0.weight"]["codec"], info["tensors"]["layers.0.weight"]["filter"]) == (1, 1)
        assert (info["tensors"]["layers.0.bias"]["codec"], info["tensors"]["layers.0.bias"]["filter"]) == (0, 0)
    with check("writer: META sorted bytewise by UTF-8 key"):
        model = nnz.tiny_model()
        model.metadata = {"b": "1", "B": "2", "a": True, "é": 1.5, "Z": ["x"]}
        back = nnz.read_bytes(nnz.encode_model(model)).metadata
        assert list(back) == ["B", "Z", "a", "b", "é"], list(back)
    for label, change in (("missing tensor", lambda m: m.tensors.clear()),
                          ("NaN weight", lambda m: m.tensors["layers.0.weight"].__setitem__((0, 0), np.nan)),
                          ("wrong shape", lambda m: m.tensors.__setitem__("layers.0.weight", np.ones((2, 3), np.float32))),
                          ("extra tensor", lambda m: m.tensors.__setitem__("layers.1.bias", np.ones(2, np.float32))),
                          ("bad class_labels", lambda m: m.metadata.__setitem__("class_labels", ["a"])),
                          ("unknown layer", lambda m: m.layers.append({"kind": "gelu"})),
                          ("bad metadata type", lambda m: m.metadata.__setitem__("x", {"a": 1}))):
        with check(f"writer refuses an invalid model ({label}) with writeFailed"):
            model = nnz.tiny_model()
            change(model)
            try:
                nnz.encode_model(model)
            except nnz.NNZError as e:
                assert e.code == "writeFailed", e
            else:
                raise AssertionError("written")
    with check("writer: atomic write leaves only the target file"):
        with tempfile.TemporaryDirectory() as directory:
            target = os.path.join(directory, "m.nnz")
            with open(target, "wb") as f:
                f.write(b"old")
            nnz.write_model(nnz.tiny_model(), target)
            assert os.listdir(directory) == ["m.nnz"]
            assert read(target) == read(os.path.join(MODELS, "tiny.nnz"))
            try:
                bad = nnz.tiny_model()
                bad.tensors.clear()
                nnz.write_model(bad, target)
            except nnz.NNZError:
                pass
            assert os.listdir(directory) == ["m.nnz"] and read(target) == read(os.path.join(MODELS, "tiny.nnz"))
    with check("reader: tensors in any order are accepted and returned in canonical order"):
        from make_fixtures import split_chunks
        chunks = split_chunks(read(os.path.join(MODELS, "cnn.nnz")))
        tensors = [c for c in chunks if c[0] == "TNSR"]
        others = [c for c in chunks if c[0] != "TNSR"]
        model = nnz.read_bytes(nnz.assemble(others[:1] + tensors[::-1] + others[1:]))
        assert nnz.encode_model(model) == read(os.path.join(MODELS, "cnn.nnz"))
    with check("reader: tensors in any order among themselves, unknown ancillary chunks anywhere"):
        from make_fixtures import split_chunks
        original = read(os.path.join(MODELS, "regression.nnz"))
        chunks = split_chunks(original)
        extra = ("abcd", b"?")
        mixed = [chunks[0], extra] + [c for c in chunks if c[0] == "TNSR"][::-1] + [extra] \
            + [c for c in chunks[1:] if c[0] != "TNSR"][:-1] + [extra, chunks[-1]]
        assert len(mixed) == len(chunks) + 3
        model = nnz.read_bytes(nnz.assemble(mixed))
        assert [a[:2] for a in model.ancillary] == [extra] * 3, model.ancillary
        model.ancillary = []
        assert nnz.encode_model(model) == original
    with check("reader: a file of version 1.7 with min_reader 1.0 is accepted"):
        from make_fixtures import split_chunks
        chunks = split_chunks(read(os.path.join(MODELS, "tiny.nnz")))
        nnz.read_bytes(nnz.assemble(chunks, version=(1, 7)))


def run_cli(*args):
    return subprocess.run([sys.executable, NNZ_PY, *args], capture_output=True, text=True)


def test_cli():
    for name in good_fixtures():
        path = os.path.join(MODELS, name + ".nnz")
        with check(f"cli verify {name}"):
            r = run_cli("verify", path)
            assert r.returncode == 0 and r.stdout.startswith(f"{path}: ok (") and r.stdout.count("\n") == 1, r
        if name not in OURS:
            continue
        with check(f"cli predict {name} reproduces expected.csv"):
            r = run_cli("predict", path, os.path.join(MODELS, name + ".input.csv"))
            assert r.returncode == 0, r.stderr
            assert r.stdout == open(os.path.join(MODELS, name + ".expected.csv")).read()
    with check("cli predict without a header row"):
        with tempfile.TemporaryDirectory() as directory:
            csv = os.path.join(directory, "in.csv")
            with open(csv, "w") as f:
                f.write("0,0\n1,1\n")
            r = run_cli("predict", os.path.join(MODELS, "tiny.nnz"), csv)
            assert r.returncode == 0 and r.stdout.splitlines()[0] == "y0,y1" and len(r.stdout.splitlines()) == 3
    with check("cli inspect and dump"):
        r = run_cli("inspect", os.path.join(MODELS, "mlp_all_meta.nnz"))
        assert r.returncode == 0 and "class_labels" in r.stdout and "shuffle+zlib" in r.stdout, r
        r = run_cli("dump", os.path.join(MODELS, "tiny.nnz"))
        assert r.returncode == 0 and "NEND crc = 0x3395583b (ok)" in r.stdout, r
    for file in sorted(os.listdir(HOSTILE)):
        if not file.endswith(".nnz"):
            continue
        with check(f"cli verify hostile {file}: exit 1, one line, no traceback"):
            r = run_cli("verify", os.path.join(HOSTILE, file))
            assert r.returncode == 1 and r.stdout == "" and r.stderr.count("\n") == 1, r
            assert "Traceback" not in r.stderr
    with check("cli verify: missing file and directory"):
        r = run_cli("verify", os.path.join(HOSTILE, "no_such_file.nnz"))
        assert r.returncode == 1 and "no such file" in r.stderr and r.stderr.count("\n") == 1, r
        r = run_cli("verify", HOSTILE)
        assert r.returncode == 1 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r
    with check("cli verify: a self-test over tolerance fails"):
        model = nnz.read_model(os.path.join(MODELS, "xor_nobias.nnz"))
        model.self_test["outputs"] = model.self_test["outputs"] + np.float32(1e-3)
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "off.nnz")
            nnz.write_model(model, path)
            r = run_cli("verify", path)
            assert r.returncode == 1 and "self-test failed" in r.stderr, r


def main():
    for test in (test_primitives, test_good_fixtures, test_hostile, test_versions, test_new_kinds,
                 test_spec_rules, test_dtypes, test_format_md_dumps, test_sweeps, test_writer,
                 test_cli):
        test()
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
