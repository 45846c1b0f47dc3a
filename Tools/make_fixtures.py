#!/usr/bin/env python3
"""Write the test fixtures: good models in Fixtures/models, hostile files in Fixtures/hostile.

    python3 Tools/make_fixtures.py [--out Fixtures]

Deterministic: every model draws its weights from numpy.random.default_rng(<fixed seed>), the
writer is the deterministic writer of nnz.py, and nothing records a time. Running it twice gives
the same bytes.

Fixtures/models/NAME.nnz           good model (self-test in each but tiny.nnz)
Fixtures/models/NAME.input.csv     raw inputs, header = feature names or x0..
Fixtures/models/NAME.expected.csv  reference outputs (nnz.forward, float64), header = labels or y0..
Fixtures/hostile/*.nnz             files a reader must refuse; expected.tsv gives the error code
"""

from __future__ import annotations

import argparse
import glob
import math
import os
import struct
import sys
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nnz  # noqa: E402

F32 = np.float32


# ----------------------------------------------------------------------------------------------
# Layer and tensor helpers
# ----------------------------------------------------------------------------------------------

def dense(inputs, outputs, has_bias=True):
    return {"kind": "dense", "inputs": inputs, "outputs": outputs, "has_bias": has_bias}


def conv2d(cin, cout, kernel, stride, pad, has_bias=True):
    return {"kind": "conv2d", "in_channels": cin, "out_channels": cout,
            "kernel_h": kernel[0], "kernel_w": kernel[1], "stride_h": stride[0],
            "stride_w": stride[1], "pad_h": pad[0], "pad_w": pad[1], "has_bias": has_bias}


def maxpool(kernel, stride, pad):
    return {"kind": "maxpool", "kernel_h": kernel[0], "kernel_w": kernel[1],
            "stride_h": stride[0], "stride_w": stride[1], "pad_h": pad[0], "pad_w": pad[1]}


def avgpool(kernel, stride, pad, include_pad=False):
    return {"kind": "avgpool", "kernel_h": kernel[0], "kernel_w": kernel[1],
            "stride_h": stride[0], "stride_w": stride[1], "pad_h": pad[0], "pad_w": pad[1],
            "count_include_pad": include_pad}


def leakyrelu(alpha):
    return {"kind": "leakyrelu", "alpha": alpha}


def dropout(ratio, convention):
    return {"kind": "dropout", "ratio": ratio, "convention": convention}


def batchnorm(axis, channels, epsilon=1e-5, momentum=0.9):
    return {"kind": "batchnorm", "axis": axis, "channels": channels, "epsilon": epsilon,
            "momentum": momentum}


def plain(kind):
    return {"kind": kind}


def init_tensors(layers, rng) -> dict:
    """He-normal weights, small biases, plausible batch-norm statistics, drawn in layer order."""
    tensors = {}
    for name, (shape, index) in nnz.expected_tensors(layers).items():
        param = name.rsplit(".", 1)[1]
        if param == "weight":
            fan_in = math.prod(shape[1:]) if len(shape) == 4 else shape[0]
            values = rng.standard_normal(shape) * math.sqrt(2.0 / fan_in)
        elif param == "bias":
            values = rng.normal(0.0, 0.1, shape)
        elif param == "gamma":
            values = rng.uniform(0.8, 1.2, shape)
        elif param == "beta":
            values = rng.normal(0.0, 0.1, shape)
        elif param == "running_mean":
            values = rng.normal(0.0, 0.3, shape)
        else:  # running_var
            values = rng.uniform(0.5, 2.0, shape)
        tensors[name] = values.astype(F32)
    return tensors


def finish(model: nnz.Model, inputs: np.ndarray, rows_in_test: int = 4) -> tuple:
    """Attach a self-test (first rows, tolerance 1e-5) and return (model, inputs)."""
    inputs = inputs.astype(F32).reshape(len(inputs), -1)
    model.self_test = nnz.make_self_test(model, inputs[:rows_in_test], 1e-5)
    return model, inputs


# ----------------------------------------------------------------------------------------------
# Good models
# ----------------------------------------------------------------------------------------------

def model_tiny():
    model = nnz.tiny_model()
    rng = np.random.default_rng(100)
    inputs = np.concatenate([np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=F32),
                             rng.uniform(-3, 3, (12, 2)).astype(F32)])
    return model, inputs          # §12: no other chunks, so no self-test


def model_mlp_all_meta():
    """dense, relu, inverted dropout, batchnorm over features, sigmoid, tanh, softmax;
    standard normalization per feature; every well-known metadata key and free keys of all 4
    types (including keys whose bytewise order differs from a case-insensitive one)."""
    rng = np.random.default_rng(101)
    layers = [dense(6, 8), plain("relu"), dropout(0.3, "inverted"), batchnorm("features", 8),
              dense(8, 8), plain("sigmoid"), dense(8, 6), plain("tanh"), dense(6, 3),
              plain("softmax")]
    mean = np.array([15.0, 1013.0, 60.0, 4.0, 350.0, 12.0], dtype=F32)
    std = np.array([8.0, 12.0, 20.0, 3.0, 250.0, 7.0], dtype=F32)
    tensors = init_tensors(layers, rng)
    # An affine-free batch norm (gamma 1, beta 0): such constant tensors compress (codec 1).
    tensors["layers.3.gamma"] = np.ones(8, F32)
    tensors["layers.3.beta"] = np.zeros(8, F32)
    model = nnz.Model(
        input_shape=(6,), output_kind="probabilities", layers=layers, tensors=tensors,
        normalization={"kind": "standard", "a": mean, "b": std},
        metadata={
            "name": "weather-mlp",
            "description": "Fixture: tomorrow's sky from six readings (synthetic weights).",
            "author": "nnz fixtures (Zoë Ångström)",
            "license": "CC0-1.0",
            "producer": "nnz.py",
            "producer_version": "1.0",
            "feature_names": ["temperature", "pressure", "humidity", "wind_speed", "altitude",
                              "hour"],
            "class_labels": ["clear", "cloudy", "rain"],
            "training.dataset": "synthetic-weather",
            "training.epochs": 12.0,
            "training.optimizer": "sgd(lr=0.05, momentum=0.9)",
            "training.final_loss": 0.4213,
            "training.final_accuracy": 0.875,
            "training.validation_accuracy": 0.8125,
            "training.seed": 101.0,
            "training.early_stopping": True,
            "training.augmentations": ["jitter", "dropout"],
            "Zeta": "uppercase sorts before lowercase bytewise",
            "x.café": "non-ASCII key",
            "x.calibrated": False,
            "x.threshold": -0.25,
            "x.tags": ["fixture", "weather", "ünïcödé", ""],
        })
    inputs = mean + std * rng.standard_normal((16, 6))
    return finish(model, inputs)


def model_mlp_scale_dropout():
    """flatten on a flat input (identity), scale-at-inference dropout, min-max normalization with
    one pair for every input, regression output."""
    rng = np.random.default_rng(102)
    layers = [plain("flatten"), dense(4, 10), plain("relu"), dropout(0.5, "scale"), dense(10, 5),
              plain("tanh"), dense(5, 2)]
    model = nnz.Model(input_shape=(4,), output_kind="regression", layers=layers,
                      tensors=init_tensors(layers, rng),
                      normalization={"kind": "minmax", "a": np.array([-10], F32),
                                     "b": np.array([10], F32)},
                      metadata={"name": "scale-dropout-regressor", "producer": "nnz.py"})
    inputs = rng.uniform(-10, 10, (16, 4))
    return finish(model, inputs)


def model_cnn():
    """conv2d with unequal kernel/stride/pad per axis, batchnorm over channels, relu, maxpool with
    stride and padding, flatten, dense, softmax; standard normalization with one pair."""
    rng = np.random.default_rng(103)
    layers = [conv2d(2, 4, (3, 2), (2, 1), (1, 0)),    # [2,7,6] -> [4,4,5]
              batchnorm("channels", 4), plain("relu"),
              maxpool((3, 2), (2, 2), (1, 1)),         # -> [4,2,3]
              plain("flatten"), dense(24, 5), plain("softmax")]
    model = nnz.Model(input_shape=(2, 7, 6), output_kind="probabilities", layers=layers,
                      tensors=init_tensors(layers, rng),
                      normalization={"kind": "standard", "a": np.array([0.5], F32),
                                     "b": np.array([0.25], F32)},
                      metadata={"name": "shapes-cnn",
                                "class_labels": ["circle", "square", "triangle", "star", "cross"]})
    inputs = rng.uniform(0, 1, (16, 2, 7, 6))
    return finish(model, inputs)


def model_cnn_scores():
    """Logits output; conv without bias; tanh and sigmoid on images; dense without bias."""
    rng = np.random.default_rng(104)
    layers = [conv2d(1, 3, (3, 3), (1, 1), (0, 0), has_bias=False),   # [1,8,8] -> [3,6,6]
              plain("tanh"),
              maxpool((2, 2), (2, 2), (0, 0)),                        # -> [3,3,3]
              conv2d(3, 2, (2, 2), (1, 1), (1, 1)),                   # -> [2,4,4]
              plain("sigmoid"), plain("flatten"),
              dense(32, 4, has_bias=False)]
    model = nnz.Model(input_shape=(1, 8, 8), output_kind="scores", layers=layers,
                      tensors=init_tensors(layers, rng),
                      metadata={"name": "arrows-logits",
                                "class_labels": ["up", "down", "left", "right"]})
    inputs = rng.integers(0, 17, (16, 1, 8, 8)) / 16.0
    return finish(model, inputs)


def model_xor_nobias():
    """The 3-4-1 sigmoid network of the XOR tutorial: no biases, the third input is a constant 1.
    Hand-set weights (OR and AND detectors and a constant unit) plus small noise."""
    rng = np.random.default_rng(105)
    layers = [dense(3, 4, has_bias=False), plain("sigmoid"), dense(4, 1, has_bias=False),
              plain("sigmoid")]
    hidden = np.array([[6, 6, 0, 0.5], [6, 6, 0, -0.5], [-3, -9, 6, 0.2]], dtype=np.float64)
    output = np.array([[10], [-12], [-5], [0.3]], dtype=np.float64)
    tensors = {"layers.0.weight": (hidden + rng.normal(0, 0.05, hidden.shape)).astype(F32),
               "layers.2.weight": (output + rng.normal(0, 0.05, output.shape)).astype(F32)}
    model = nnz.Model(input_shape=(3,), output_kind="regression", layers=layers, tensors=tensors,
                      metadata={"name": "xor", "feature_names": ["a", "b", "bias"],
                                "training.dataset": "xor.csv"})
    ab = np.concatenate([np.array([[0, 0], [0, 1], [1, 0], [1, 1]]), rng.uniform(0, 1, (12, 2))])
    inputs = np.concatenate([ab, np.ones((16, 1))], axis=1)
    return finish(model, inputs)


def model_regression():
    """3-30-10-3-1: sigmoid, sigmoid, relu, linear output; min-max normalization per feature."""
    rng = np.random.default_rng(106)
    layers = [dense(3, 30), plain("sigmoid"), dense(30, 10), plain("sigmoid"), dense(10, 3),
              plain("relu"), dense(3, 1)]
    tensors = init_tensors(layers, rng)
    tensors["layers.4.bias"] = np.array([0.3, 0.5, 0.2], F32)   # keep the relu units alive
    model = nnz.Model(input_shape=(3,), output_kind="regression", layers=layers, tensors=tensors,
                      normalization={"kind": "minmax", "a": np.array([-2, -2, -2], F32),
                                     "b": np.array([2, 2, 2], F32)},
                      metadata={"name": "regression3", "feature_names": ["x1", "x2", "x3"],
                                "training.dataset": "regression3.csv"})
    inputs = rng.uniform(-2, 2, (16, 3))
    return finish(model, inputs)


def model_cnn_avgpool_leaky():
    """Format 1.1: conv, leaky ReLU inside the image part, average pooling without and with the
    padded zeros counted (both with padding), global average pooling, flatten, dense, leaky ReLU
    on flat features, dense, softmax; standard normalization per value."""
    rng = np.random.default_rng(107)
    layers = [conv2d(2, 4, (3, 3), (1, 1), (1, 1)),                   # [2,9,9] -> [4,9,9]
              leakyrelu(0.1),
              avgpool((3, 3), (2, 2), (1, 1)),                        # exclude pad -> [4,5,5]
              conv2d(4, 6, (2, 2), (1, 1), (0, 0)),                   # -> [6,4,4]
              avgpool((2, 3), (1, 2), (1, 1), include_pad=True),      # -> [6,5,2]
              leakyrelu(0.25),
              plain("globalavgpool"),                                 # -> [6,1,1]
              plain("flatten"), dense(6, 5), leakyrelu(0.05), dense(5, 3), plain("softmax")]
    tensors = init_tensors(layers, rng)
    # Negative biases so that the leaky units see both signs.
    tensors["layers.0.bias"] = rng.normal(-0.2, 0.3, 4).astype(F32)
    tensors["layers.8.bias"] = rng.normal(-0.1, 0.2, 5).astype(F32)
    mean = rng.uniform(0.3, 0.7, 2 * 9 * 9).astype(F32)
    std = rng.uniform(0.2, 0.4, 2 * 9 * 9).astype(F32)
    model = nnz.Model(input_shape=(2, 9, 9), output_kind="probabilities", layers=layers,
                      tensors=tensors, normalization={"kind": "standard", "a": mean, "b": std},
                      metadata={"name": "avgpool-leaky-cnn",
                                "class_labels": ["low", "mid", "high"]})
    inputs = rng.uniform(0, 1, (16, 2, 9, 9))
    return finish(model, inputs)


def model_tiny_int8():
    """The §12 example with int8 weights (FORMAT.md §12.2): one scale per column, 63.5 and
    -63.5 rounding half to even to 64 and -64."""
    model, inputs = model_tiny()
    return nnz.quantize_model(model, "int8"), inputs


def source_mlp():
    """The float32 MLP behind mlp_f16 and mlp_int8: dense, relu, dense, relu, dense, softmax on
    standardized inputs (both signs, so the first int8 layer has a zero point above 0; after a
    relu the zero point is 0). The 48x48 middle weight is Laplace-distributed like trained
    weights, so that both its int8 and float16 forms compress (codec 1, filter 1); column 5 of
    the first weight is all zeros (int8 scale 1, values 0); one weight is 3e-6, a float16
    subnormal."""
    rng = np.random.default_rng(108)
    layers = [dense(5, 48), plain("relu"), dense(48, 48), plain("relu"), dense(48, 3),
              plain("softmax")]
    tensors = init_tensors(layers, rng)
    tensors["layers.0.weight"][:, 5] = 0
    tensors["layers.2.weight"] = rng.laplace(0.0, math.sqrt(1 / 48), (48, 48)).astype(F32)
    tensors["layers.4.weight"][4, 1] = F32(3e-6)
    mean = np.array([1.0, -2.0, 0.5, 10.0, 0.0], dtype=F32)
    std = np.array([2.0, 1.0, 0.5, 4.0, 1.0], dtype=F32)
    model = nnz.Model(input_shape=(5,), output_kind="probabilities", layers=layers,
                      tensors=tensors, normalization={"kind": "standard", "a": mean, "b": std},
                      metadata={"name": "small-mlp", "class_labels": ["a", "b", "c"]})
    inputs = mean + std * rng.standard_normal((16, 5))
    return finish(model, inputs)


def source_cnn():
    """The float32 CNN behind cnn_f16 and cnn_int8: conv2d without bias (padding 1, so int8
    padding taps read the zero point), batchnorm over channels, relu, maxpool, flatten, dense,
    softmax. Its int8 form folds the batchnorm into the conv2d, which gains a bias."""
    rng = np.random.default_rng(109)
    layers = [conv2d(2, 4, (3, 3), (1, 1), (1, 1), has_bias=False),   # [2,6,6] -> [4,6,6]
              batchnorm("channels", 4), plain("relu"),
              maxpool((2, 2), (2, 2), (0, 0)),                        # -> [4,3,3]
              plain("flatten"), dense(36, 3), plain("softmax")]
    model = nnz.Model(input_shape=(2, 6, 6), output_kind="probabilities", layers=layers,
                      tensors=init_tensors(layers, rng),
                      normalization={"kind": "standard", "a": np.array([0.5], F32),
                                     "b": np.array([0.25], F32)},
                      metadata={"name": "small-cnn", "class_labels": ["left", "middle", "right"]})
    inputs = rng.uniform(0, 1, (16, 2, 6, 6))
    return finish(model, inputs)


def source_exact():
    """The float32 model behind int8_exact: no normalization, conv2d 3 -> 6 (3x3, padding 1;
    kw * in_channels = 9, not a multiple of 4), relu, 2x2 max-pool (5x5 -> 2x2, an odd last
    row and column dropped), flatten, dense 24 -> 7, relu, dense 7 -> 4 without a bias, and
    regression outputs. Every layer after an int8 layer is exact in float32 (relu, max-pool,
    flatten), so the outputs are the last int8 layer's float32 results: a runtime that follows
    FORMAT.md §4 "int8 layers at inference" reproduces this fixture's expected outputs bit for
    bit. Inputs of both signs (zero point above 0) and a row of zeros (r = 1, zp = 0)."""
    rng = np.random.default_rng(110)
    layers = [conv2d(3, 6, (3, 3), (1, 1), (1, 1)), plain("relu"),
              maxpool((2, 2), (2, 2), (0, 0)), plain("flatten"),
              dense(24, 7), plain("relu"), dense(7, 4, has_bias=False)]
    model = nnz.Model(input_shape=(3, 5, 5), output_kind="regression", layers=layers,
                      tensors=init_tensors(layers, rng),
                      metadata={"name": "int8-exact"})
    inputs = rng.uniform(-1, 2, (16, 3, 5, 5))
    inputs[3] = 0
    return finish(model, inputs)


def converted(source, dtype):
    def build():
        model, inputs = source()
        return nnz.quantize_model(model, dtype), inputs
    build.__doc__ = f"{source.__name__}() converted by nnz.quantize_model(..., {dtype!r})"
    return build


GOOD_MODELS = {
    "tiny": model_tiny,
    "mlp_all_meta": model_mlp_all_meta,
    "mlp_scale_dropout": model_mlp_scale_dropout,
    "cnn": model_cnn,
    "cnn_scores": model_cnn_scores,
    "xor_nobias": model_xor_nobias,
    "regression": model_regression,
    "cnn_avgpool_leaky": model_cnn_avgpool_leaky,
    # format 1.1 tensor dtypes
    "tiny_int8": model_tiny_int8,
    "mlp_f16": converted(source_mlp, "float16"),
    "mlp_int8": converted(source_mlp, "int8"),
    "cnn_f16": converted(source_cnn, "float16"),
    "cnn_int8": converted(source_cnn, "int8"),
    "int8_exact": converted(source_exact, "int8"),
}


def with_ancillary(source_bytes: bytes) -> bytes:
    """The source file with two unknown ancillary chunks: one between the tensors, one before
    NEND. A 1.0 reader must skip both and load the same model; a writer carries them along in
    place (§11), so rewriting gives the same bytes."""
    chunks = split_chunks(source_bytes)
    first_tensor = next(i for i, (t, _) in enumerate(chunks) if t == "TNSR")
    chunks.insert(first_tensor + 1, ("prVt", b"private producer data \x00\x01\x02\xff"))
    chunks.insert(len(chunks) - 1, ("zzzz", b""))
    return nnz.assemble(chunks)


def split_chunks(data: bytes) -> list:
    """(type, data) of every chunk of a well-formed file."""
    chunks, pos = [], nnz.HEADER_SIZE
    while pos < len(data):
        length = struct.unpack("<I", data[pos:pos + 4])[0]
        chunks.append((data[pos + 4:pos + 8].decode("ascii"), data[pos + 8:pos + 8 + length]))
        pos += 12 + length
    return chunks


# ----------------------------------------------------------------------------------------------
# Hostile files
# ----------------------------------------------------------------------------------------------

def tensor_chunk(name, values):
    return ("TNSR", nnz.encode_tensor(name, values))


def hostile_files(good: dict) -> list:
    """(file name, expected code, what is wrong, bytes). CRCs are valid unless they are the
    defect, so each file reaches the check it is about."""
    xor = good["xor_nobias"]
    xor_chunks = split_chunks(xor)
    tiny = good["tiny"]
    files = []

    def add(name, code, why, data):
        files.append((name + ".nnz", code, why, data))

    def with_chunks(chunks, **kw):
        return nnz.assemble(chunks, **kw)

    def patched(chunks, ctype, data, occurrence=0):
        out, seen = [], 0
        for t, d in chunks:
            if t == ctype:
                if seen == occurrence:
                    d = data
                seen += 1
            out.append((t, d))
        return out

    def arch_bytes(model):
        return nnz.encode_arch(model)

    def model_from(input_shape, layers, output_kind="regression"):
        return nnz.Model(input_shape=input_shape, output_kind=output_kind, layers=layers)

    tensor_at = [i for i, (t, _) in enumerate(xor_chunks) if t == "TNSR"]

    # -- length, signature, header --------------------------------------------------------------
    add("empty", "truncated", "0 bytes", b"")
    add("truncated_20", "truncated", "first 20 bytes of tiny.nnz (shorter than the 40-byte minimum)",
        tiny[:20])
    add("truncated_in_arch", "truncated", "xor_nobias.nnz cut inside ARCH (file_length says more)",
        xor[:50])
    cut = 28 + sum(12 + len(d) for _, d in xor_chunks[:2]) + 30
    add("truncated_in_tensor", "truncated", "xor_nobias.nnz cut inside its second TNSR", xor[:cut])
    add("truncated_before_nend", "truncated", "xor_nobias.nnz without its last 12 bytes (NEND)",
        xor[:-12])
    add("truncated_last_byte", "truncated", "xor_nobias.nnz without its last byte", xor[:-1])
    short = xor[:cut]
    short = nnz.encode_header(len(short)) + short[28:]
    add("truncated_header_fixed", "truncated", "cut inside a TNSR, file_length and header CRC "
        "updated to match: the chunk's data runs past the end of the file", short)
    add("missing_nend", "truncated", "no NEND chunk (file_length and CRC consistent): the file "
        "ends before NEND", with_chunks(xor_chunks[:-1]))
    add("short_text", "badSignature", "a 10-byte text file: the signature is compared on the "
        "bytes present, before the length check (at least 40 bytes)", b"hello nnz\n")
    add("bad_signature", "badSignature", "a PNG signature instead of the nnz one",
        b"\x89PNG\r\n\x1a\n" + xor[8:])
    add("not_a_model", "badSignature", "a CSV text file", b"x1,x2,x3,y\n" + b"0.5,1.25,-2,3.5\n" * 4)
    add("crlf_damaged", "badSignature", "xor_nobias.nnz after a text-mode write: every LF became "
        "CRLF (message says text-mode transfer)", xor.replace(b"\n", b"\r\n"))
    add("lf_damaged", "badSignature", "xor_nobias.nnz after a text-mode read: every CRLF became "
        "LF (message says text-mode transfer)", xor.replace(b"\r\n", b"\n"))
    bad = bytearray(xor)
    bad[10] = 1
    add("bad_header_crc", "checksumMismatch", "version_minor changed to 1 without updating "
        "header_crc", bytes(bad))
    bad = bytearray(xor)
    bad[-20] ^= 0x01
    add("bad_chunk_crc", "checksumMismatch", "one bit of the test chunk's data flipped, CRC left "
        "as is", bytes(bad))
    qntz = ("QNTZ", b"\x01\x00\x00\x00quantization table")
    add("unknown_critical_QNTZ", "unknownCriticalChunk", "a QNTZ chunk (critical, unknown) after "
        "ARCH in a file that says min_reader 1.0", with_chunks(xor_chunks[:1] + [qntz] + xor_chunks[1:]))
    add("needs_reader_1_1", "unknownCriticalChunk", "version 1.1, min_reader 1.1 with a QNTZ chunk "
        "inside: a 1.0 reader refuses it by version (\"needs reader 1.1\"), a 1.1 reader passes "
        "the header and refuses the QNTZ chunk, which format 1.1 does not define",
        with_chunks(xor_chunks[:1] + [qntz] + xor_chunks[1:], version=(1, 1), min_reader=(1, 1)))
    add("needs_reader_1_2", "unsupportedVersion", "version 1.2, min_reader 1.2 (a QNTZ chunk "
        "inside): a 1.1 reader says \"needs reader 1.2\"",
        with_chunks(xor_chunks[:1] + [qntz] + xor_chunks[1:], version=(1, 2), min_reader=(1, 2)))
    add("needs_reader_2_0", "unsupportedVersion", "version 2.0, min_reader 2.0",
        with_chunks(xor_chunks, version=(2, 0), min_reader=(2, 0)))
    add("major_2_min_reader_1", "unsupportedVersion", "version 2.0 with min_reader 1.0: readers "
        "refuse a newer major version whatever min_reader says",
        with_chunks(xor_chunks, version=(2, 0), min_reader=(1, 0)))
    add("min_reader_0_9", "malformed", "version 1.0 with min_reader 0.9 (min_reader must be at "
        "least 1.0)", with_chunks(xor_chunks, version=(1, 0), min_reader=(0, 9)))
    add("version_below_min_reader", "malformed", "version 0.5 with min_reader 1.0 (version must "
        "be at least min_reader)", with_chunks(xor_chunks, version=(0, 5), min_reader=(1, 0)))
    add("trailing_after_nend", "malformed", "4 bytes after NEND, file_length and header CRC "
        "updated to include them", nnz.encode_header(len(xor) + 4) + xor[28:] + b"\0\0\0\0")
    add("trailing_beyond_file_length", "malformed", "4 bytes after NEND that file_length does not "
        "count", xor + b"\0\0\0\0")

    # -- chunk frames ---------------------------------------------------------------------------
    bad = bytearray(xor)
    bad[28:32] = b"\xff\xff\xff\xff"
    add("chunk_length_ffffffff", "limitExceeded", "ARCH length 0xFFFFFFFF (over the 2^30 limit; "
        "CRC irrelevant, the length is checked first)", bytes(bad))
    bad = bytearray(xor)
    pos = 28 + 12 + len(xor_chunks[0][1])
    bad[pos:pos + 4] = struct.pack("<I", 100000)
    add("chunk_length_past_end", "truncated", "a TNSR length of 100000 in a file of "
        f"{len(xor)} bytes", bytes(bad))
    add("bad_chunk_type", "malformed", "a chunk type 'TN5R' (not 4 letters), CRC valid",
        with_chunks(xor_chunks[:1] + [("TN5R", xor_chunks[1][1])] + xor_chunks[2:]))
    add("arch_not_first", "malformed", "TNSR before ARCH",
        with_chunks([xor_chunks[1], xor_chunks[0]] + xor_chunks[2:]))
    add("ancillary_before_arch", "malformed", "an unknown ancillary chunk before ARCH (ARCH must be "
        "first)", with_chunks([("prVt", b"x")] + xor_chunks))
    add("duplicate_arch", "malformed", "ARCH twice",
        with_chunks(xor_chunks[:1] + xor_chunks[:1] + xor_chunks[1:]))
    meta_index = next(i for i, (t, _) in enumerate(xor_chunks) if t == "META")
    add("meta_before_tensor", "malformed", "META moved before the last TNSR (known chunks must "
        "keep the order of §2)",
        with_chunks(xor_chunks[:tensor_at[-1]] + [xor_chunks[meta_index]]
                    + [xor_chunks[tensor_at[-1]]] + xor_chunks[meta_index + 1:]))
    add("test_before_meta", "malformed", "the test chunk before META",
        with_chunks(xor_chunks[:meta_index] + [xor_chunks[meta_index + 1], xor_chunks[meta_index]]
                    + xor_chunks[meta_index + 2:]))
    add("nend_with_data", "malformed", "NEND with 4 data bytes",
        with_chunks(xor_chunks[:-1] + [("NEND", b"\0\0\0\0")]))

    # -- ARCH -----------------------------------------------------------------------------------
    arch = model_from((2 ** 24 + 1,), [dense(2 ** 24 + 1, 2)])
    add("absurd_dimension", "limitExceeded", "input dimension 2^24 + 1",
        with_chunks([("ARCH", arch_bytes(arch)), ("NEND", b"")]))
    arch = bytearray(arch_bytes(model_from((3,), [dense(3, 2)])))
    arch[2:6] = b"\0\0\0\0"
    add("zero_dimension", "malformed", "input dimension 0",
        with_chunks([("ARCH", bytes(arch)), ("NEND", b"")]))
    arch = nnz.encode_arch(model_from((3,), [plain("relu")])).replace(
        b"\x01\x00\x00\x00\x05", struct.pack("<I", 5000) + b"\x05")
    add("layer_count_5000", "limitExceeded", "layer_count 5000 (limit 4096)",
        with_chunks([("ARCH", arch), ("NEND", b"")]))
    arch = xor_chunks[0][1]
    kind_at = 1 + 1 + 4 + 4          # output_kind, rank, one dim, layer_count
    bad = bytearray(arch)
    bad[kind_at + 10] = 11           # second layer (sigmoid) becomes kind 11
    add("unknown_layer_kind", "malformed", "layer 1 has kind 11 (avgpool, a format 1.1 kind) in a "
        "file whose min_reader is 1.0 (refused on the kind byte, before its fields)",
        with_chunks([("ARCH", bytes(bad))] + xor_chunks[1:]))
    add("arch_trailing_byte", "malformed", "one byte left over after the last layer in ARCH",
        with_chunks([("ARCH", arch + b"\0")] + xor_chunks[1:]))
    bad = bytearray(arch)
    bad[kind_at + 9] = 2             # has_bias of layer 0 = 2
    add("bad_has_bias", "malformed", "has_bias = 2",
        with_chunks([("ARCH", bytes(bad))] + xor_chunks[1:]))
    chain = model_from((5,), [dense(4, 3), plain("relu")])
    add("dense_chain_mismatch", "inconsistent", "input [5] feeding a dense 4 -> 3 layer",
        with_chunks([("ARCH", arch_bytes(chain)),
                     tensor_chunk("layers.0.weight", np.ones((4, 3), F32)),
                     tensor_chunk("layers.0.bias", np.ones(3, F32)), ("NEND", b"")]))
    image = model_from((1, 4, 4), [conv2d(1, 2, (3, 3), (1, 1), (0, 0), has_bias=False),
                                   plain("softmax")])
    add("softmax_on_image", "inconsistent", "softmax after conv2d (needs a flat input)",
        with_chunks([("ARCH", arch_bytes(image)),
                     tensor_chunk("layers.0.weight", np.ones((2, 1, 3, 3), F32)), ("NEND", b"")]))
    image = model_from((1, 4, 4), [conv2d(1, 2, (3, 3), (1, 1), (0, 0), has_bias=False)])
    add("output_not_flat", "inconsistent", "the last layer outputs [2, 2, 2]",
        with_chunks([("ARCH", arch_bytes(image)),
                     tensor_chunk("layers.0.weight", np.ones((2, 1, 3, 3), F32)), ("NEND", b"")]))
    image = model_from((1, 4, 4), [conv2d(1, 1, (5, 5), (1, 1), (0, 0), has_bias=False),
                                   plain("flatten")])
    add("kernel_larger_than_input", "inconsistent", "a 5x5 kernel on a 4x4 input without padding",
        with_chunks([("ARCH", arch_bytes(image)),
                     tensor_chunk("layers.0.weight", np.ones((1, 1, 5, 5), F32)), ("NEND", b"")]))
    pool = model_from((1, 4, 4), [maxpool((2, 2), (2, 2), (2, 0)), plain("flatten")])
    add("maxpool_pad_ge_kernel", "malformed", "maxpool pad_h 2 with kernel_h 2",
        with_chunks([("ARCH", arch_bytes(pool)), ("NEND", b"")]))
    huge = model_from((1, 16384, 16384), [conv2d(1, 2, (1, 1), (1, 1), (0, 0), has_bias=False),
                                          plain("flatten")])
    add("huge_activation", "limitExceeded", "input [1, 16384, 16384] (2^28 values, allowed) into a "
        "1x1 conv with 2 channels: 2^29 values",
        with_chunks([("ARCH", arch_bytes(huge)),
                     tensor_chunk("layers.0.weight", np.ones((2, 1, 1, 1), F32)), ("NEND", b"")]))
    huge = model_from((1, 16384, 32768), [maxpool((1, 1), (2, 2), (0, 0)), plain("flatten")])
    add("huge_input", "limitExceeded", "input [1, 16384, 32768]: 2^29 values, over the 2^28 "
        "activation limit (the layers would shrink it to 2^27, but the input counts too)",
        with_chunks([("ARCH", arch_bytes(huge)), ("NEND", b"")]))
    stride = model_from((1, 4, 4), [maxpool((2, 2), (70000, 2), (0, 0)), plain("flatten")])
    add("stride_too_large", "limitExceeded", "maxpool stride_h 70000 (above the maximum 65535)",
        with_chunks([("ARCH", arch_bytes(stride)), ("NEND", b"")]))
    bn = model_from((3,), [batchnorm("features", 3, epsilon=float("nan"))])
    bn_tensors = [tensor_chunk(f"layers.0.{p}", np.ones(3, F32))
                  for p in ("gamma", "beta", "running_mean", "running_var")]
    add("nonfinite_epsilon", "malformed", "batchnorm epsilon NaN",
        with_chunks([("ARCH", arch_bytes(bn))] + bn_tensors + [("NEND", b"")]))
    bn = model_from((3,), [batchnorm("features", 3)])
    neg = [tensor_chunk(f"layers.0.{p}", np.array([1, -0.5, 1], F32) if p == "running_var"
                        else np.ones(3, F32)) for p in ("gamma", "beta", "running_mean", "running_var")]
    add("negative_running_var", "malformed", "batchnorm running_var holds -0.5",
        with_chunks([("ARCH", arch_bytes(bn))] + neg + [("NEND", b"")]))
    drop = bytearray(arch_bytes(model_from((3,), [dropout(0.5, "inverted")])))
    drop[-5:-1] = struct.pack("<f", 1.0)
    add("dropout_ratio_one", "malformed", "dropout ratio 1.0 (must be < 1)",
        with_chunks([("ARCH", bytes(drop)), ("NEND", b"")]))

    # -- the layer kinds of format 1.1 ------------------------------------------------------------
    def v11(chunks):
        return with_chunks(chunks, version=(1, 1), min_reader=(1, 1))
    pool = model_from((1, 4, 4), [avgpool((2, 2), (2, 2), (1, 1)), plain("flatten")])
    arch = bytearray(arch_bytes(pool))
    flag_at = 1 + 1 + 12 + 4 + 1 + 24           # kind, rank, 3 dims, layer_count, kind, 6 fields
    assert arch[flag_at] == 0
    arch[flag_at] = 2
    add("avgpool_include_pad_2", "malformed", "avgpool count_include_pad = 2 (must be 0 or 1)",
        v11([("ARCH", bytes(arch)), ("NEND", b"")]))
    pool = model_from((1, 4, 4), [avgpool((2, 2), (2, 2), (0, 2), include_pad=True),
                                  plain("flatten")])
    add("avgpool_pad_ge_kernel", "malformed", "avgpool pad_w 2 with kernel_w 2 (a window could "
        "hold no real value)", v11([("ARCH", arch_bytes(pool)), ("NEND", b"")]))
    for name, alpha in (("nan", math.nan), ("inf", math.inf)):
        leaky = model_from((3,), [leakyrelu(alpha)])
        add(f"leakyrelu_alpha_{name}", "malformed", f"leakyrelu alpha {alpha} (must be finite)",
            v11([("ARCH", arch_bytes(leaky)), ("NEND", b"")]))
    pool = model_from((1, 4, 4), [avgpool((2, 2), (2, 2), (0, 0)), plain("flatten")])
    add("avgpool_in_1_0_file", "malformed", "a well-formed avgpool (kind 11, format 1.1) in a file "
        "whose header says version 1.0, min_reader 1.0: the header must claim 1.1",
        with_chunks([("ARCH", arch_bytes(pool)), ("NEND", b"")]))
    gap = model_from((6,), [plain("globalavgpool")])
    add("globalavgpool_on_flat_input", "inconsistent", "globalavgpool on a flat [6] input (needs "
        "[C, H, W])", v11([("ARCH", arch_bytes(gap)), ("NEND", b"")]))
    arch = bytearray(arch_bytes(model_from((3,), [leakyrelu(0.5)])))
    arch[1 + 1 + 4 + 4] = 14
    add("unknown_layer_kind_14", "malformed", "layer 0 has kind 14, which no format 1.x defines, "
        "in a 1.1 file", v11([("ARCH", bytes(arch)), ("NEND", b"")]))

    # -- TNSR -----------------------------------------------------------------------------------
    weight0 = np.ones((3, 4), F32)
    add("missing_tensor", "inconsistent", "xor_nobias.nnz without layers.2.weight",
        with_chunks([c for i, c in enumerate(xor_chunks) if i != tensor_at[1]]))
    add("extra_tensor", "inconsistent", "an additional layers.0.bias for a dense layer without bias",
        with_chunks(xor_chunks[:tensor_at[1] + 1] + [tensor_chunk("layers.0.bias", np.ones(4, F32))]
                    + xor_chunks[tensor_at[1] + 1:]))
    add("duplicate_tensor", "inconsistent", "layers.0.weight twice",
        with_chunks(xor_chunks[:tensor_at[0] + 1] + [xor_chunks[tensor_at[0]]]
                    + xor_chunks[tensor_at[0] + 1:]))
    add("tensor_wrong_shape", "inconsistent", "layers.0.weight stored as [4, 3] instead of [3, 4]",
        with_chunks(patched(xor_chunks, "TNSR", nnz.encode_tensor("layers.0.weight",
                                                                   np.ones((4, 3), F32)))))
    raw = weight0.tobytes()
    add("raw_length_mismatch", "inconsistent", "layers.0.weight [3, 4] declaring raw_length 52 "
        "(12 elements need 48)", with_chunks(patched(xor_chunks, "TNSR", nnz.encode_tensor_fields(
            "layers.0.weight", (3, 4), 52, 0, 0, raw + b"\0\0\0\0"))))
    add("raw_stored_length_mismatch", "inconsistent", "codec 0 with 44 stored bytes for raw_length 48",
        with_chunks(patched(xor_chunks, "TNSR", nnz.encode_tensor_fields(
            "layers.0.weight", (3, 4), 48, 0, 0, raw[:44]))))
    add("dtype_float16", "malformed", "dtype 2 (float16, a dtype of format 1.1) in a file whose "
        "min_reader is 1.0 (the header must claim 1.1)",
        with_chunks(patched(xor_chunks, "TNSR", nnz.encode_tensor_fields(
            "layers.0.weight", (3, 4), 48, 0, 0, raw, dtype=2))))
    bomb_model = model_from((16384,), [dense(16384, 16384, has_bias=False)])
    bomb_stream = zlib.compress(b"\0" * 4096, 9)
    add("bomb_ratio", "limitExceeded", f"dense 16384 -> 16384: layers.0.weight declares raw_length "
        f"2^30 from a {len(bomb_stream)}-byte zlib stream (over 1032 × stored + 64); refused "
        f"before allocating", with_chunks([("ARCH", arch_bytes(bomb_model)), ("TNSR",
            nnz.encode_tensor_fields("layers.0.weight", (16384, 16384), 2 ** 30, 1, 0,
                                     bomb_stream)), ("NEND", b"")]))
    add("bomb_overflow", "decompressionFailed", "layers.0.weight [3, 4] (48 bytes) whose zlib "
        "stream inflates to 100000 bytes; the reader stops at 48",
        with_chunks(patched(xor_chunks, "TNSR", nnz.encode_tensor_fields(
            "layers.0.weight", (3, 4), 48, 1, 0, zlib.compress(b"\0" * 100000, 9)))))
    add("zlib_short", "decompressionFailed", "a zlib stream that inflates to 40 of 48 bytes",
        with_chunks(patched(xor_chunks, "TNSR", nnz.encode_tensor_fields(
            "layers.0.weight", (3, 4), 48, 1, 0, zlib.compress(raw[:40], 9)))))
    add("zlib_trailing_bytes", "decompressionFailed", "2 bytes after the end of the zlib stream",
        with_chunks(patched(xor_chunks, "TNSR", nnz.encode_tensor_fields(
            "layers.0.weight", (3, 4), 48, 1, 0, zlib.compress(raw, 9) + b"\0\0"))))
    stream = bytearray(zlib.compress(raw, 9))
    stream[-1] ^= 0xFF
    add("zlib_bad_adler", "decompressionFailed", "a zlib stream whose Adler-32 is wrong",
        with_chunks(patched(xor_chunks, "TNSR", nnz.encode_tensor_fields(
            "layers.0.weight", (3, 4), 48, 1, 0, bytes(stream)))))
    add("zlib_truncated_stream", "decompressionFailed", "a zlib stream missing its last 6 bytes",
        with_chunks(patched(xor_chunks, "TNSR", nnz.encode_tensor_fields(
            "layers.0.weight", (3, 4), 48, 1, 0, zlib.compress(raw, 9)[:-6]))))

    # -- NORM, META, test -----------------------------------------------------------------------
    reg = split_chunks(good["regression"])
    norm = nnz.encode_norm({"kind": "minmax", "a": np.zeros(2, F32), "b": np.ones(2, F32)})
    add("norm_count_wrong", "inconsistent", "regression.nnz with NORM count 2 for 3 inputs",
        with_chunks(patched(reg, "NORM", norm)))
    norm = nnz.encode_norm({"kind": "standard", "a": np.zeros(3, F32),
                            "b": np.array([1, 0, 1], F32)})
    add("norm_zero_std", "malformed", "standard normalization with std 0",
        with_chunks(patched(reg, "NORM", norm)))

    def meta_raw(entries):
        """META from (key, type, value bytes) as given: no sorting, no checks."""
        return nnz._u32(len(entries)) + b"".join(nnz.encode_string(k) + nnz._u8(t) + v
                                                 for k, t, v in entries)
    name_value = nnz.encode_string("xor")
    add("meta_unsorted", "malformed", "META keys 'training.dataset' before 'name'",
        with_chunks(patched(xor_chunks, "META", meta_raw(
            [("training.dataset", 1, name_value), ("name", 1, name_value)]))))
    add("meta_duplicate_key", "malformed", "META key 'name' twice",
        with_chunks(patched(xor_chunks, "META", meta_raw(
            [("name", 1, name_value), ("name", 1, name_value)]))))
    add("meta_wrong_type", "inconsistent", "well-known key 'name' stored as a number",
        with_chunks(patched(xor_chunks, "META", meta_raw([("name", 2, struct.pack("<d", 1.0))]))))
    add("meta_nan_number", "malformed", "a free number key holding NaN",
        with_chunks(patched(xor_chunks, "META", meta_raw([("x.value", 2, struct.pack("<d", math.nan))]))))
    add("meta_invalid_utf8", "malformed", "a string value that is not valid UTF-8",
        with_chunks(patched(xor_chunks, "META", meta_raw([("name", 1, nnz._u32(2) + b"\xc3\x28")]))))
    add("feature_names_count", "inconsistent", "feature_names with 2 names for 3 inputs",
        with_chunks(patched(xor_chunks, "META", nnz.encode_meta({"feature_names": ["a", "b"]}))))
    add("class_labels_on_regression", "inconsistent", "class_labels on an output kind 2 model",
        with_chunks(patched(xor_chunks, "META", nnz.encode_meta({"class_labels": ["one"]}))))
    test = bytearray(xor_chunks[-2][1])
    test[8:12] = nnz._u32(4)
    zero = bytearray(xor_chunks[-2][1][:16])
    zero[4:8] = nnz._u32(0)
    add("test_zero_rows", "malformed", "self-test with 0 rows (rows must be 1..256; below the "
        "minimum is malformed, above the maximum limitExceeded)",
        with_chunks(patched(xor_chunks, "test", bytes(zero))))
    add("test_width_wrong", "inconsistent", "self-test input_width 4 for a 3-input model",
        with_chunks(patched(xor_chunks, "test", bytes(test))))

    # -- rules that keep two correct readers from disagreeing (§6, §9, §10) ---------------------
    add("feature_names_duplicate", "inconsistent", "feature_names ['a', 'b', 'a']: a name twice "
        "(names are compared as UTF-8 bytes)",
        with_chunks(patched(xor_chunks, "META", nnz.encode_meta({"feature_names": ["a", "b", "a"]}))))
    tiny_chunks = split_chunks(tiny)
    add("class_labels_duplicate", "inconsistent", "class_labels ['yes', 'yes']: `predicted` "
        "would be ambiguous", with_chunks(tiny_chunks[:-1] + [
            ("META", nnz.encode_meta({"class_labels": ["yes", "yes"]}))] + tiny_chunks[-1:]))
    add("shuffle_without_zlib", "malformed", "filter 1 (byte-shuffle) with codec 0 (stored raw): "
        "byte-shuffle requires codec 1",
        with_chunks(patched(xor_chunks, "TNSR", nnz.encode_tensor_fields(
            "layers.0.weight", (3, 4), 48, 0, 1, nnz.shuffle(raw, 4)))))
    probs = model_from((3,), [dense(3, 2)], output_kind="probabilities")
    add("probabilities_without_softmax", "inconsistent", "output kind 1 (class probabilities) "
        "whose last layer is dense (needs softmax or sigmoid)",
        with_chunks([("ARCH", arch_bytes(probs)), tensor_chunk("layers.0.weight", np.ones((3, 2), F32)),
                     tensor_chunk("layers.0.bias", np.ones(2, F32)), ("NEND", b"")]))
    add("file_length_over_limit", "limitExceeded", "xor_nobias.nnz whose header declares "
        "file_length 2^31 + 1 (CRC valid): the limit applies to the declared length, so a short "
        "file declaring too much is limitExceeded, not truncated",
        nnz.encode_header(2 ** 31 + 1) + xor[28:])
    norm = nnz.encode_norm({"kind": "minmax", "a": np.array([-3e38], F32),
                            "b": np.array([3e38], F32)})
    add("norm_minmax_overflow", "malformed", "min-max normalization min -3e38, max 3e38: max - min "
        "overflows float32 (the message says so, not max <= min)",
        with_chunks(patched(reg, "NORM", norm)))
    add("zlib_missing_adler", "decompressionFailed", "a zlib stream without its 4-byte Adler-32: "
        "every byte inflates but the stream never ends",
        with_chunks(patched(xor_chunks, "TNSR", nnz.encode_tensor_fields(
            "layers.0.weight", (3, 4), 48, 1, 0, zlib.compress(raw, 9)[:-4]))))
    for pad, why in ((65535, "the 217-byte file of issue 8: "), (10000, "")):
        padded = model_from((1, 1, 1), [conv2d(1, 1, (1, 1), (pad, pad), (pad, pad)),
                                         plain("flatten")])
        side = 1 + 2 * pad
        add(f"conv_padded_input_{pad}", "limitExceeded", f"{why}input [1, 1, 1], conv2d 1->1 "
            f"kernel 1x1 stride {pad} pad {pad} (output [1, 3, 3]): the zero-padded input "
            f"1×{side}×{side} exceeds 2^28 elements per sample",
            with_chunks([("ARCH", arch_bytes(padded)),
                         tensor_chunk("layers.0.weight", np.full((1, 1, 1, 1), 2, F32)),
                         tensor_chunk("layers.0.bias", np.full(1, 0.5, F32)), ("NEND", b"")]))
    big = model_from((32768,), [dense(32768, 16384, has_bias=False)])
    add("tensor_too_large", "limitExceeded", "dense 32768 -> 16384: layers.0.weight would be 2^31 "
        "bytes (limit 2^30); refused on ARCH alone, before any TNSR",
        with_chunks([("ARCH", arch_bytes(big)), ("NEND", b"")]))
    add_dtype_hostile_files(add)
    return files


def add_dtype_hostile_files(add):
    """The rules of the float16 and int8 dtypes (§4, format 1.1). The base is a 1.1 file:
    input [3], dense 3 -> 4 with an int8 weight (4 scales) and a float32 bias, relu. Tensors
    with a planted defect are stored raw (codec 0), so the message's byte is the culprit's."""
    def v11(chunks, version=(1, 1)):
        return nnz.assemble(chunks + [("NEND", b"")], version=version, min_reader=version)

    base = nnz.Model(input_shape=(3,), output_kind="regression", layers=[dense(3, 4), plain("relu")])
    arch = ("ARCH", nnz.encode_arch(base))
    weight = nnz.to_int8("layers.0.weight", np.arange(-6, 6, dtype=F32).reshape(3, 4) / 4, 1)
    bias = ("TNSR", nnz.encode_tensor("layers.0.bias", np.array([0.5, -1, 0.25, 2], F32)))

    def int8_raw(scales, values, raw_length=None, name="layers.0.weight", dims=(3, 4)):
        raw = np.asarray(scales, "<f4").tobytes() + np.asarray(values, np.int8).tobytes()
        return ("TNSR", nnz.encode_tensor_fields(name, dims, len(raw) if raw_length is None
                                                 else raw_length, 0, 0, raw, dtype=3))

    def f16_raw(values, name="layers.0.weight", dims=(3, 4)):
        raw = np.asarray(values, np.uint16).astype("<u2").tobytes()
        return ("TNSR", nnz.encode_tensor_fields(name, dims, len(raw), 0, 0, raw, dtype=2))

    scales, values = weight.scales, weight.values.ravel()
    # -- raw_length of the new layouts --------------------------------------------------------
    add("int8_raw_length_wrong", "inconsistent", "int8 layers.0.weight [3, 4] with raw_length 24 "
        "and 3 scales: one scale per input row instead of one per output column (4 scales + 12 "
        "values = 28 bytes)", v11([arch, int8_raw(scales[:3], values), bias]))
    add("float16_raw_length_wrong", "inconsistent", "float16 layers.0.weight [3, 4] declaring "
        "raw_length 48, the float32 size (12 values of 2 bytes need 24)",
        v11([arch, ("TNSR", nnz.encode_tensor_fields("layers.0.weight", (3, 4), 48, 0, 0,
                                                     bytes(48), dtype=2)), bias]))
    # -- int8 scales and values ---------------------------------------------------------------
    for label, bad in (("zero", 0.0), ("negative", -1.5), ("inf", math.inf), ("nan", math.nan)):
        planted = scales.copy()
        planted[2] = bad
        add(f"int8_scale_{label}", "malformed", f"scale 2 of int8 layers.0.weight is {bad} (a "
            f"scale must be finite and > 0)", v11([arch, int8_raw(planted, values), bias]))
    planted = values.copy()
    planted[5] = -128
    add("int8_value_minus_128", "malformed", "int8 layers.0.weight holds -128 at element 5 "
        "(int8 weights are symmetric, -127..127, so -q never overflows)",
        v11([arch, int8_raw(scales, planted), bias]))
    # -- which tensors may be int8 --------------------------------------------------------------
    add("int8_on_bias", "malformed", "dtype 3 (int8) on layers.0.bias: only dense and conv2d "
        "weights may be int8", v11([arch, int8_raw(scales, values), int8_raw(
            [1.0], [1, 2, 3, 4], name="layers.0.bias", dims=(4,))]))
    bn = nnz.Model(input_shape=(3,), output_kind="regression", layers=[batchnorm("features", 3)])
    bn_rest = [("TNSR", nnz.encode_tensor(f"layers.0.{p}", np.ones(3, F32)))
               for p in ("beta", "running_mean", "running_var")]
    add("int8_on_batchnorm", "malformed", "dtype 3 (int8) on batchnorm layers.0.gamma: only dense "
        "and conv2d weights may be int8", v11([("ARCH", nnz.encode_arch(bn)), int8_raw(
            [1.0], [1, 1, 1], name="layers.0.gamma", dims=(3,))] + bn_rest))
    # -- float16 values ---------------------------------------------------------------------------
    halves = np.arange(-6, 6, dtype=np.float16).view(np.uint16).copy()
    halves[7] = 0x7E00
    add("float16_nan", "malformed", "float16 layers.0.weight holds NaN (0x7E00) at element 7",
        v11([arch, f16_raw(halves), bias]))
    bias_halves = np.array([0.5, -1, 0.25, 2], np.float16).view(np.uint16).copy()
    bias_halves[3] = 0xFC00
    add("float16_inf", "malformed", "float16 layers.0.bias (float16 is allowed on any tensor) "
        "holds -inf (0xFC00) at element 3", v11([arch, int8_raw(scales, values),
                                                  f16_raw(bias_halves, "layers.0.bias", (4,))]))
    # -- versions -----------------------------------------------------------------------------
    add("int8_in_1_0_file", "malformed", "a well-formed int8 weight (dtype 3, format 1.1) in a "
        "file whose header says version 1.0, min_reader 1.0: the header must claim 1.1",
        v11([arch, int8_raw(scales, values), bias], version=(1, 0)))
    add("dtype_4_unknown", "malformed", "dtype 4, which no format 1.x defines, in a 1.1 file",
        v11([arch, ("TNSR", nnz.encode_tensor_fields("layers.0.weight", (3, 4), 48, 0, 0,
                                                     bytes(48), dtype=4)), bias]))
    # -- the reduction-length limit (ARCH and dtype alone; the zlib stream of zeros is small) -----
    wide = nnz.Model(input_shape=(70000,), output_kind="regression",
                     layers=[dense(70000, 1, has_bias=False)])
    raw = np.array([1.0], "<f4").tobytes() + bytes(70000)
    add("int8_dense_70000_inputs", "limitExceeded", "int8 weight of a dense 70000 -> 1 layer: "
        "70000 products per output, over the reduction-length limit 66311 (int32 accumulation "
        "of u8 x int8 could overflow); refused at the dtype byte, before inflating",
        v11([("ARCH", nnz.encode_arch(wide)), ("TNSR", nnz.encode_tensor_fields(
            "layers.0.weight", (70000, 1), len(raw), 1, 1, zlib.compress(raw, 9), dtype=3))]))
    deep = nnz.Model(input_shape=(8, 93, 93), output_kind="regression",
                     layers=[conv2d(8, 1, (93, 93), (1, 1), (0, 0), has_bias=False),
                             plain("flatten")])
    raw = np.array([1.0], "<f4").tobytes() + bytes(8 * 93 * 93)
    add("int8_conv_reduction_69192", "limitExceeded", "int8 weight of a conv2d 8 -> 1 with a "
        "93x93 kernel: in_channels*kernel_h*kernel_w = 69192 products per output, over the limit "
        "66311", v11([("ARCH", nnz.encode_arch(deep)), ("TNSR", nnz.encode_tensor_fields(
            "layers.0.weight", (1, 8, 93, 93), len(raw), 1, 1, zlib.compress(raw, 9), dtype=3))]))


# ----------------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------------

def write(path: str, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode) as f:
        f.write(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "..", "Fixtures"))
    args = ap.parse_args()
    models_dir = os.path.join(args.out, "models")
    hostile_dir = os.path.join(args.out, "hostile")
    os.makedirs(models_dir, exist_ok=True)
    os.makedirs(hostile_dir, exist_ok=True)
    # Remove only what an earlier run wrote (others may keep their own files in Fixtures/).
    old_table = os.path.join(hostile_dir, "expected.tsv")
    if os.path.exists(old_table):
        with open(old_table) as f:
            for line in f.read().splitlines()[1:]:
                stale = os.path.join(hostile_dir, line.split("\t")[0])
                if line and os.path.exists(stale):
                    os.remove(stale)

    good = {}
    readme = ["# Good models", "",
              "Written by `python3 Tools/make_fixtures.py`; each `NAME.nnz` comes with",
              "`NAME.input.csv` (raw inputs) and `NAME.expected.csv` (outputs of the reference",
              "forward pass in `Tools/nnz.py`, float64, `%.9g`). Every model but `tiny.nnz` and",
              "`tiny_int8.nnz` carries a 4-row self-test with tolerance 1e-5. `cnn_avgpool_leaky.nnz`",
              "uses the layer kinds of format 1.1, and the `*_f16` / `*_int8` files the tensor dtypes",
              "of format 1.1 (float16; int8 with per-channel scales), so they are 1.1 files; every other",
              "one is format 1.0.", "",
              "The `*_f16` and `*_int8` models are `mlp` / `cnn` float32 models (`source_mlp`,",
              "`source_cnn` in `Tools/make_fixtures.py`) converted by `nnz.quantize_model`: float16",
              "tensors throughout, or batch norm folded and int8 dense/conv2d weights. The expected",
              "outputs of an int8 model are the reference's integer arithmetic (FORMAT.md §4, \"int8",
              "layers at inference\"); only exact operations (relu, maxpool, flatten) lie between two",
              "int8 layers, so a runtime that follows it reproduces every int8 layer bit for bit.", "",
              "| file | bytes | input | layers | output | also |", "|---|---|---|---|---|---|"]
    for name, build in GOOD_MODELS.items():
        model, inputs = build()
        data = nnz.encode_model(model)
        good[name] = data
        write(os.path.join(models_dir, f"{name}.nnz"), data)
        expected = nnz.forward(model, inputs)
        write(os.path.join(models_dir, f"{name}.input.csv"),
              nnz.format_csv(nnz.input_header(model), inputs))
        write(os.path.join(models_dir, f"{name}.expected.csv"),
              nnz.format_csv(nnz.output_header(model), expected))
        also = []
        if nnz.minimum_reader_version(model.layers, model.tensors) != (1, 0):
            also.append("format %d.%d" % nnz.minimum_reader_version(model.layers, model.tensors))
        dtypes = sorted({nnz.tensor_dtype(t) for t in model.tensors.values()} - {1})
        if dtypes:
            also.append(" and ".join({2: "float16 tensors", 3: "int8 weights"}[d] for d in dtypes))
        if model.normalization:
            also.append(f"NORM {model.normalization['kind']} count {len(model.normalization['a'])}")
        if model.metadata:
            also.append(f"{len(model.metadata)} META keys")
        if model.self_test:
            also.append("self-test")
        readme.append(f"| {name}.nnz | {len(data)} | {nnz._shape_text(model.input_shape)} | "
                      f"{', '.join(layer['kind'] for layer in model.layers)} | "
                      f"{model.output_width} {model.output_kind} | {'; '.join(also)} |")

    # with_ancillary: the regression model plus two unknown ancillary chunks; same outputs.
    data = with_ancillary(good["regression"])
    write(os.path.join(models_dir, "with_ancillary.nnz"), data)
    for suffix in ("input.csv", "expected.csv"):
        with open(os.path.join(models_dir, f"regression.{suffix}")) as f:
            write(os.path.join(models_dir, f"with_ancillary.{suffix}"), f.read())
    readme.append(f"| with_ancillary.nnz | {len(data)} | regression.nnz plus two unknown ancillary "
                  f"chunks (`prVt` between the tensors, empty `zzzz` before NEND): a 1.0 reader "
                  f"skips them, carrying them along | | same as regression | rewriting it gives the same bytes |")
    write(os.path.join(models_dir, "README.md"), "\n".join(readme) + "\n")

    files = hostile_files(good)
    names = [f[0] for f in files]
    assert len(names) == len(set(names)), "duplicate hostile file name"
    tsv = ["file\tcode"]
    doc = ["# Hostile files", "",
           "Written by `python3 Tools/make_fixtures.py`. Every file here must be refused by a",
           "format-1.1 reader with the error code given (`expected.tsv` holds the same list for",
           "the tests of both implementations). CRCs are valid unless the CRC is the defect, so",
           "each file reaches the check it is about.", "",
           "| file | expected code | what is wrong |", "|---|---|---|"]
    for file_name, code, why, data in files:
        write(os.path.join(hostile_dir, file_name), data)
        tsv.append(f"{file_name}\t{code}")
        doc.append(f"| {file_name} | `{code}` | {why} |")
        try:
            nnz.read_bytes(data)
            raise SystemExit(f"{file_name}: was accepted, expected {code}")
        except nnz.NNZError as e:
            if e.code != code:
                raise SystemExit(f"{file_name}: got {e.code} ({e}), expected {code}")
    write(os.path.join(hostile_dir, "expected.tsv"), "\n".join(tsv) + "\n")
    write(os.path.join(hostile_dir, "README.md"), "\n".join(doc) + "\n")

    total = sum(os.path.getsize(p) for p in glob.glob(os.path.join(args.out, "*", "*")))
    print(f"wrote {len(good) + 1} good models and {len(files)} hostile files "
          f"({total} bytes in all) to {os.path.normpath(args.out)}")


if __name__ == "__main__":
    main()
