#!/usr/bin/env python3
"""nnz.py: the Python reference implementation of the `.nnz` model file, format 1.1.

Written from docs/FORMAT.md alone (that page is the contract; section numbers below refer to it).
It holds, in one file with numpy and the standard library only:

- a reader that checks every rule of the format and refuses a bad file with one `NNZError`
  (codes mirror Swift's `FormatError.Code`);
- a writer that follows the writer policy exactly (canonical chunk order, byte-shuffle + zlib
  Huffman-only at level 9, raw fallback, sorted META, the lowest version that describes the file in the
  header), so the Python and Swift writers produce the same bytes;
- a reference forward pass (inference semantics, float64 arithmetic on the float32 weights;
  float16 weights widened; int8 layers in the exact integer arithmetic of the runtime, see
  `int8_dense` and `int8_conv2d`);
- the conversions writers use (`to_float16`, `to_int8`, bit for bit those of Swift's
  `Tensor.float16()` / `Tensor.int8(outputAxis:)`), the batch-norm fold (`fold_batchnorm`) and
  a whole-model conversion (`quantize_model`);
- a command line: `verify`, `inspect`, `predict`, `dump`, `write-example`.

    python3 Tools/nnz.py verify Fixtures/models/cnn.nnz
    python3 Tools/nnz.py predict Fixtures/models/cnn.nnz Fixtures/models/cnn.input.csv
    python3 Tools/nnz.py dump Fixtures/models/tiny.nnz

As a library:

    import nnz
    model = nnz.read_model("model.nnz")          # raises nnz.NNZError
    y = nnz.forward(model, x)                    # x: [N, ...] raw inputs -> float64 [N, K]
    nnz.write_model(model, "copy.nnz")           # atomic
    small = nnz.quantize_model(model, "int8")    # batch norm folded, int8 dense/conv weights
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import struct
import sys
import tempfile
import zlib
from typing import Any, Callable

import numpy as np

# ----------------------------------------------------------------------------------------------
# Constants of format 1.1
# ----------------------------------------------------------------------------------------------

SIGNATURE = b"\x89NNZ\r\n\x1a\n"
READER_VERSION = (1, 1)          # the newest format version this reader and writer implement
HEADER_SIZE = 28
CHUNK_OVERHEAD = 12              # length + type + crc
MIN_FILE_LENGTH = HEADER_SIZE + CHUNK_OVERHEAD

# §9 limits.
MAX_FILE_LENGTH = 1 << 31
MAX_CHUNK_LENGTH = 1 << 30
MAX_CHUNKS = 65536
MAX_LAYERS = 4096
MAX_DIM = 1 << 24
MAX_TENSOR_RANK = 4
MAX_TENSOR_BYTES = 1 << 30
MAX_ACTIVATION = 1 << 28
MAX_STRING_BYTES = 65536
MAX_LIST_ITEMS = 65536
MAX_META_ENTRIES = 4096
MAX_TEST_ROWS = 256
MAX_STRIDE = 65535
MAX_PAD = 65535

OUTPUT_KINDS = {0: "scores", 1: "probabilities", 2: "regression"}
OUTPUT_KIND_CODES = {v: k for k, v in OUTPUT_KINDS.items()}
LAYER_KINDS = {1: "dense", 2: "conv2d", 3: "maxpool", 4: "flatten", 5: "relu", 6: "sigmoid",
               7: "tanh", 8: "softmax", 9: "dropout", 10: "batchnorm", 11: "avgpool",
               12: "globalavgpool", 13: "leakyrelu"}
LAYER_KIND_CODES = {v: k for k, v in LAYER_KINDS.items()}
# The format version that introduced each kind (§11): a file using one declares at least that
# min_reader version, and an older reader does not know it.
KIND_VERSIONS = {code: (1, 1) if code >= 11 else (1, 0) for code in LAYER_KINDS}
# Tensor dtypes (§4) and the version that introduced each, as for the kinds.
DTYPES = {1: "float32", 2: "float16", 3: "int8"}
DTYPE_VERSIONS = {1: (1, 0), 2: (1, 1), 3: (1, 1)}
# An int8 layer's reduction length (dense inputs, conv2d in*kh*kw) is at most
# floor((2^31 - 1) / (255 * 127)), so that int32 sums of u8 x int8 products cannot overflow.
MAX_INT8_REDUCTION = 66311
WINDOW_KINDS = ("conv2d", "maxpool", "avgpool")
DROPOUT_CONVENTIONS = {0: "inverted", 1: "scale"}
BATCHNORM_AXES = {0: "features", 1: "channels"}
NORM_KINDS = {1: "standard", 2: "minmax"}
META_TYPES = {1: "str", 2: "f64", 3: "bool", 4: "strlist"}
WELL_KNOWN_STRINGS = ("name", "description", "author", "license", "producer", "producer_version")

# Known chunk types in the order §2 requires (tensors repeat, the others at most once; unknown
# ancillary chunks may come anywhere after ARCH).
CHUNK_ORDER = {"ARCH": 0, "TNSR": 1, "NORM": 2, "META": 3, "test": 4, "NEND": 5}

ERROR_CODES = ("fileNotFound", "ioError", "badSignature", "truncated", "unsupportedVersion",
               "checksumMismatch", "unknownCriticalChunk", "malformed", "limitExceeded",
               "inconsistent", "decompressionFailed", "writeFailed")


# ----------------------------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------------------------

class NNZError(Exception):
    """Why a model file could not be read or written.

    `code` is one of ERROR_CODES (the same names as Swift's FormatError.Code); `offset` is the
    byte offset from the start of the file where the fault is; `chunk` the chunk type being read.
    str(error) gives one line: `FILE: byte N, chunk TYPE: message`.
    """

    def __init__(self, code: str, message: str, offset: int | None = None,
                 chunk: str | None = None, path: str | None = None):
        assert code in ERROR_CODES, code
        super().__init__(message)
        self.code = code
        self.message = message
        self.offset = offset
        self.chunk = chunk
        self.path = path

    def __str__(self) -> str:
        place = []
        if self.offset is not None:
            place.append(f"byte {self.offset}")
        if self.chunk is not None:
            place.append(f"chunk {self.chunk}")
        text = f"{self.path}: " if self.path is not None else ""
        if place:
            text += ", ".join(place) + ": "
        return text + self.message

    def __repr__(self) -> str:
        return f"NNZError({self.code!r}, {str(self)!r})"


# ----------------------------------------------------------------------------------------------
# The in-memory model
# ----------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Model:
    """Everything one .nnz file holds.

    input_shape   (F,) or (C, H, W), without the batch axis
    output_kind   "scores" | "probabilities" | "regression"  (ints 0/1/2 are accepted too)
    layers        list of dicts, e.g. {"kind": "dense", "inputs": 2, "outputs": 3, "has_bias": True};
                  see LAYER_FIELDS for every kind's keys
    tensors       dict name -> tensor, names "layers.<i>.<param>" (canonical order); a tensor is a
                  float32 ndarray (dtype 1), a float16 ndarray (dtype 2) or an Int8Tensor
                  (dtype 3); `as_float32` gives any of them as float32 values
    normalization None or {"kind": "standard"|"minmax", "a": float32[count], "b": float32[count]}
    metadata      dict key -> str | float | bool | list[str]
    self_test     None or {"tolerance": float, "inputs": float32[rows, F], "outputs": float32[rows, K]}
    ancillary     unknown ancillary chunks carried along (§11), in file order: a list of
                  (type, data bytes, known chunks before it); a 2-tuple (type, data) goes just
                  before NEND
    """
    input_shape: tuple
    output_kind: str
    layers: list
    tensors: dict = dataclasses.field(default_factory=dict)
    normalization: dict | None = None
    metadata: dict = dataclasses.field(default_factory=dict)
    self_test: dict | None = None
    ancillary: list = dataclasses.field(default_factory=list)

    @property
    def input_size(self) -> int:
        return math.prod(self.input_shape)

    @property
    def output_width(self) -> int:
        return math.prod(infer_shapes(self.input_shape, self.layers)[-1])


# The keys each layer dict carries besides "kind" (the order is the field order in ARCH).
LAYER_FIELDS = {
    "dense": ("inputs", "outputs", "has_bias"),
    "conv2d": ("in_channels", "out_channels", "kernel_h", "kernel_w", "stride_h", "stride_w",
               "pad_h", "pad_w", "has_bias"),
    "maxpool": ("kernel_h", "kernel_w", "stride_h", "stride_w", "pad_h", "pad_w"),
    "flatten": (), "relu": (), "sigmoid": (), "tanh": (), "softmax": (),
    "dropout": ("ratio", "convention"),
    "batchnorm": ("axis", "channels", "epsilon", "momentum"),
    "avgpool": ("kernel_h", "kernel_w", "stride_h", "stride_w", "pad_h", "pad_w",
                "count_include_pad"),
    "globalavgpool": (),
    "leakyrelu": ("alpha",),
}


@dataclasses.dataclass(eq=False)
class Int8Tensor:
    """A dtype 3 tensor (§4): `values` int8 in -127..127 with the weight's shape, and `scales`,
    one float32 per output channel: axis 1 of a dense weight [inputs, outputs], axis 0 of a
    conv2d weight [out, in, kh, kw] (`int8_channel_axis`). Value w of channel c stands for
    float32(w) * scales[c]."""
    scales: np.ndarray
    values: np.ndarray

    @property
    def shape(self) -> tuple:
        return self.values.shape

    @property
    def size(self) -> int:
        return self.values.size

    def dequantize(self) -> np.ndarray:
        """float32(value) * scale[channel], one float32 multiply each."""
        axis = int8_channel_axis(self.values.ndim)
        shape = [1] * self.values.ndim
        shape[axis] = -1
        with np.errstate(invalid="ignore", over="ignore"):     # a bad scale gives nan, no warning
            return self.values.astype(np.float32) * np.asarray(self.scales, np.float32).reshape(shape)

    def __eq__(self, other) -> bool:
        return (isinstance(other, Int8Tensor) and self.values.shape == other.values.shape
                and np.array_equal(self.values, other.values)
                and np.asarray(self.scales, np.float32).tobytes()
                == np.asarray(other.scales, np.float32).tobytes())


def int8_channel_axis(ndim: int) -> int | None:
    """The axis an int8 tensor has one scale per index of: 1 for rank 2 (dense [inputs,
    outputs]), 0 for rank 4 (conv2d [out, in, kh, kw]); None for ranks that cannot be int8."""
    return {2: 1, 4: 0}.get(ndim)


def tensor_dtype(tensor) -> int:
    """The dtype code (§4) a tensor of the in-memory model is written with."""
    if isinstance(tensor, Int8Tensor):
        return 3
    return 2 if np.asarray(tensor).dtype == np.float16 else 1


def as_float32(tensor) -> np.ndarray:
    """Any tensor's values as float32: float16 widened (exactly), int8 dequantized."""
    if isinstance(tensor, Int8Tensor):
        return tensor.dequantize()
    return np.asarray(tensor).astype(np.float32)


def minimum_reader_version(layers: list, tensors: dict | None = None) -> tuple:
    """The lowest format version that describes a file with these layers and tensors (§11): what
    the writer puts in both header fields. 1.0 unless a layer uses a kind, or a tensor a dtype,
    of format 1.1."""
    return max([(1, 0)] + [KIND_VERSIONS[_code(LAYER_KINDS, layer["kind"], "layer kind")]
                           for layer in layers]
               + [DTYPE_VERSIONS[tensor_dtype(t)] for t in (tensors or {}).values()])


def int8_reduction_length(layer: dict, param: str) -> int | None:
    """Products each output of an int8 `param` sums: a dense weight's inputs, a conv2d weight's
    in_channels * kernel_h * kernel_w; None for a parameter that may not be int8."""
    if param != "weight":
        return None
    if layer["kind"] == "dense":
        return layer["inputs"]
    if layer["kind"] == "conv2d":
        return layer["in_channels"] * layer["kernel_h"] * layer["kernel_w"]
    return None


def _int8_rule(name: str, layer: dict, index: int, param: str) -> tuple | None:
    """(code, message) when an int8 `name` breaks §4's rules, else None (Swift TensorRules)."""
    length = int8_reduction_length(layer, param)
    if length is None:
        return ("malformed", f"tensor {name} has dtype 3 (int8); only dense and conv2d weights "
                f"may be int8")
    if length > MAX_INT8_REDUCTION:
        what = "inputs" if layer["kind"] == "dense" else "in_channels·kernel_h·kernel_w"
        return ("limitExceeded", f"layer {index} ({layer['kind']}): int8 weights with reduction "
                f"length {length} ({what}) exceed the limit {MAX_INT8_REDUCTION}, up to which "
                f"int32 accumulation cannot overflow")
    return None


def _swift_float(value) -> str:
    """A float32 as Swift's description prints it (0.0, -1.5, 1e-05, inf, nan), so that the two
    readers' messages agree word for word."""
    v = np.float32(value)
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    scientific = np.format_float_scientific(v, unique=True, trim="-", exp_digits=2)
    if v != 0 and (int(scientific.split("e")[1]) < -4 or abs(v) > 2.0 ** 24):
        return scientific
    text = np.format_float_positional(v, unique=True, trim="-")
    return text if "." in text else text + ".0"


def _value_problem(dtype: int, tensor, name: str) -> tuple | None:
    """(message, offset in the raw layout) of the first stored value §4 refuses: a float16 NaN or
    infinity, an int8 scale that is not finite and > 0, an int8 -128 (Swift TensorRules)."""
    if dtype == 2:
        bits = np.asarray(tensor).view(np.uint16).ravel()
        bad = np.flatnonzero((bits & 0x7C00) == 0x7C00)
        if bad.size:
            i = int(bad[0])
            return (f"tensor {name} holds {_swift_float(np.float16(bits[i:i + 1].view(np.float16)[0]))} "
                    f"(float16 0x{int(bits[i]):04X}) at element {i}; float16 values must be finite",
                    2 * i)
    if dtype == 3:
        scales = np.asarray(tensor.scales, np.float32)
        bad = np.flatnonzero(~(np.isfinite(scales) & (scales > 0)))
        if bad.size:
            j = int(bad[0])
            return (f"scale {j} of tensor {name} is {_swift_float(scales[j])}; an int8 scale must be "
                    f"finite and > 0", 4 * j)
        bad = np.flatnonzero(np.asarray(tensor.values).ravel() == -128)
        if bad.size:
            i = int(bad[0])
            return (f"tensor {name} holds -128 at element {i}; int8 weights are symmetric, "
                    f"-127...127", 4 * scales.size + i)
    return None


def parameter_shapes(layer: dict) -> dict:
    """The learned tensors of one layer, param name -> shape, in canonical order (§4)."""
    kind = layer["kind"]
    if kind == "dense":
        shapes = {"weight": (layer["inputs"], layer["outputs"])}
        if layer["has_bias"]:
            shapes["bias"] = (layer["outputs"],)
        return shapes
    if kind == "conv2d":
        shapes = {"weight": (layer["out_channels"], layer["in_channels"],
                             layer["kernel_h"], layer["kernel_w"])}
        if layer["has_bias"]:
            shapes["bias"] = (layer["out_channels"],)
        return shapes
    if kind == "batchnorm":
        c = layer["channels"]
        return {"gamma": (c,), "beta": (c,), "running_mean": (c,), "running_var": (c,)}
    return {}


def expected_tensors(layers: list) -> dict:
    """Every tensor name the architecture needs -> (shape, layer index), in canonical order."""
    expected = {}
    for index, layer in enumerate(layers):
        for param, shape in parameter_shapes(layer).items():
            expected[f"layers.{index}.{param}"] = (tuple(shape), index)
    return expected


def _shape_text(shape) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"


def infer_shapes(input_shape, layers, offsets=None) -> list:
    """Each layer's output shape (§3), or NNZError if a layer cannot take its input.

    `offsets` (the byte offset of each layer in ARCH) only serves the error messages.
    """
    def fail(index, code, message):
        at = offsets[index] if offsets is not None and index is not None else None
        where = f"layer {index} ({layers[index]['kind']}): " if index is not None else ""
        raise NNZError(code, where + message, at, "ARCH")

    shape = tuple(int(d) for d in input_shape)
    if math.prod(shape) > MAX_ACTIVATION:
        raise NNZError("limitExceeded", f"the input has {math.prod(shape)} values, more than "
                       f"the limit of 2^28", offsets[0] if offsets else None, "ARCH")
    shapes = []
    for i, layer in enumerate(layers):
        kind = layer["kind"]
        if kind == "dense":
            if shape != (layer["inputs"],):
                fail(i, "inconsistent", f"expects input [{layer['inputs']}] but the previous "
                     f"output is {_shape_text(shape)}")
            shape = (layer["outputs"],)
        elif kind in WINDOW_KINDS:
            if len(shape) != 3:
                fail(i, "inconsistent", f"expects a [C, H, W] input but the previous output is "
                     f"{_shape_text(shape)}")
            channels, height, width = shape
            if kind == "conv2d" and channels != layer["in_channels"]:
                fail(i, "inconsistent", f"expects {layer['in_channels']} input channels but the "
                     f"previous output is {_shape_text(shape)}")
            if kind == "conv2d" and (layer["pad_h"] or layer["pad_w"]):
                # The zero-padded input is materialized, so it counts as an activation (§9).
                padded = (channels, height + 2 * layer["pad_h"], width + 2 * layer["pad_w"])
                if math.prod(padded) > MAX_ACTIVATION:
                    fail(i, "limitExceeded", f"zero-padded input {'×'.join(map(str, padded))} "
                         f"exceeds 2^28 elements per sample")
            spans = []
            for size, k, s, p, axis in ((height, layer["kernel_h"], layer["stride_h"],
                                         layer["pad_h"], "height"),
                                        (width, layer["kernel_w"], layer["stride_w"],
                                         layer["pad_w"], "width")):
                if size + 2 * p < k:
                    fail(i, "inconsistent", f"kernel {axis} {k} is larger than the padded input "
                         f"{axis} {size + 2 * p}")
                spans.append((size + 2 * p - k) // s + 1)
            out_channels = layer["out_channels"] if kind == "conv2d" else channels
            shape = (out_channels, spans[0], spans[1])
        elif kind == "globalavgpool":
            if len(shape) != 3:
                fail(i, "inconsistent", f"expects a [C, H, W] input but the previous output is "
                     f"{_shape_text(shape)}")
            shape = (shape[0], 1, 1)
        elif kind == "flatten":
            shape = (math.prod(shape),)
        elif kind == "softmax":
            if len(shape) != 1:
                fail(i, "inconsistent", f"needs a flat input but the previous output is "
                     f"{_shape_text(shape)}")
        elif kind == "batchnorm":
            c = layer["channels"]
            if layer["axis"] == "features" and shape != (c,):
                fail(i, "inconsistent", f"axis features expects input [{c}] but the previous "
                     f"output is {_shape_text(shape)}")
            if layer["axis"] == "channels" and (len(shape) != 3 or shape[0] != c):
                fail(i, "inconsistent", f"axis channels expects input [{c}, H, W] but the "
                     f"previous output is {_shape_text(shape)}")
        elif kind not in ("relu", "sigmoid", "tanh", "dropout", "leakyrelu"):
            fail(i, "malformed", f"unknown layer kind {kind!r}")
        if math.prod(shape) > MAX_ACTIVATION:
            fail(i, "limitExceeded", f"output {_shape_text(shape)} has {math.prod(shape)} "
                 f"values, more than the limit of 2^28")
        shapes.append(shape)
    if not shapes:
        raise NNZError("malformed", "a model needs at least one layer", None, "ARCH")
    if len(shape) != 1:
        fail(len(layers) - 1, "inconsistent", f"the last layer's output {_shape_text(shape)} is "
             f"not flat; the model output must be [K] (add a flatten layer)")
    return shapes


# ----------------------------------------------------------------------------------------------
# Small helpers shared by reader and writer
# ----------------------------------------------------------------------------------------------

def crc32(data) -> int:
    return zlib.crc32(data) & 0xFFFFFFFF


def shuffle(raw: bytes, element_size: int = 4) -> bytes:
    """Byte-shuffle filter (§4): filtered[j*n + i] = raw[i*s + j]."""
    n = len(raw) // element_size
    return np.frombuffer(raw, np.uint8).reshape(n, element_size).T.tobytes()


def unshuffle(filtered, element_size: int = 4) -> bytes:
    n = len(filtered) // element_size
    return np.frombuffer(filtered, np.uint8).reshape(element_size, n).T.tobytes()


def unshuffle_tensor(filtered: bytes, dtype: int, elements: int) -> bytes:
    """Undo filter 1 for a dtype (§4): 4-byte planes over float32, 2-byte planes over float16,
    and for int8 4-byte planes over the scales only, the int8 values following unshuffled."""
    if dtype == 3:
        split = len(filtered) - elements
        return unshuffle(filtered[:split], 4) + bytes(filtered[split:])
    return unshuffle(filtered, 4 if dtype == 1 else 2)


def shuffle_tensor(raw: bytes, dtype: int, elements: int) -> bytes:
    """Filter 1 for a dtype: the inverse of unshuffle_tensor."""
    if dtype == 3:
        split = len(raw) - elements
        return shuffle(raw[:split], 4) + raw[split:]
    return shuffle(raw, 4 if dtype == 1 else 2)


def decode_tensor(raw: bytes, dtype: int, dims: tuple):
    """A tensor from its raw (decompressed, unshuffled) little-endian bytes, length checked."""
    if dtype == 1:
        return np.frombuffer(raw, "<f4").astype(np.float32).reshape(dims)
    if dtype == 2:
        return np.frombuffer(raw, "<f2").astype(np.float16).reshape(dims)
    elements = math.prod(dims)
    channels = (len(raw) - elements) // 4
    return Int8Tensor(np.frombuffer(raw[:4 * channels], "<f4").astype(np.float32),
                      np.frombuffer(raw[4 * channels:], np.int8).reshape(dims).copy())


def encode_tensor_raw(tensor) -> bytes:
    """A tensor's raw little-endian bytes (§4): f32 values, f16 values, or f32 scales then i8."""
    if isinstance(tensor, Int8Tensor):
        return (np.asarray(tensor.scales, np.float32).astype("<f4").tobytes()
                + np.ascontiguousarray(tensor.values, np.int8).tobytes())
    array = np.ascontiguousarray(tensor)
    return array.astype("<f2" if array.dtype == np.float16 else "<f4").tobytes()


def _is_chunk_type(type_bytes: bytes) -> bool:
    return len(type_bytes) == 4 and all(65 <= b <= 90 or 97 <= b <= 122 for b in type_bytes)


def _f32_text(value) -> str:
    """Shortest text that reads back as the same float32 (e.g. 0.1, 1e-05, -inf)."""
    v = np.float32(value)
    if not np.isfinite(v):
        return str(float(v))
    if v == 0 or 1e-4 <= abs(v) < 1e7:
        return np.format_float_positional(v, unique=True, trim="-")
    return np.format_float_scientific(v, unique=True, trim="-")


def _values_text(values, limit=8) -> str:
    shown = ", ".join(_f32_text(v) for v in values[:limit])
    return "[" + shown + (", …" if len(values) > limit else "") + "]"


# ----------------------------------------------------------------------------------------------
# Reader
# ----------------------------------------------------------------------------------------------

class _Cursor:
    """Reads the fields of one chunk's data, data[pos:end], never past its end (§10.5)."""

    def __init__(self, reader: "_Reader", start: int, end: int, chunk: str, prefix: str = ""):
        self.reader = reader
        self.data = reader.data
        self.pos = start
        self.end = end
        self.chunk = chunk

    def error(self, code: str, message: str, offset: int | None = None) -> NNZError:
        return NNZError(code, message, self.pos if offset is None else offset, self.chunk)

    def take(self, count: int, what: str) -> tuple[int, memoryview]:
        if count > self.end - self.pos:
            raise self.error("malformed", f"{what} needs {count} bytes but only "
                             f"{self.end - self.pos} are left in the chunk")
        start = self.pos
        self.pos += count
        return start, self.data[start:self.pos]

    def _number(self, fmt: str, what: str, describe: Callable | None):
        size = struct.calcsize(fmt)
        start, raw = self.take(size, what)
        value = struct.unpack(fmt, raw)[0]
        self.reader.note(start, size, f"{what} = {describe(value) if describe else value}")
        return value, start

    def u8(self, what, describe=None):
        return self._number("<B", what, describe)

    def u32(self, what, describe=None):
        return self._number("<I", what, describe)

    def u64(self, what, describe=None):
        return self._number("<Q", what, describe)

    def f32(self, what):
        return self._number("<f", what, _f32_text)

    def f64(self, what):
        return self._number("<d", what, repr)

    def dim(self, what) -> int:
        """A *dim*: 1..2^24."""
        value, start = self.u32(what)
        if value == 0:
            raise self.error("malformed", f"{what} is 0; it must be at least 1", start)
        if value > MAX_DIM:
            raise self.error("limitExceeded", f"{what} is {value}, more than the limit of "
                             f"2^24 = {MAX_DIM}", start)
        return value

    def stride(self, what) -> int:
        value, start = self.u32(what)
        if value == 0:
            raise self.error("malformed", f"{what} is 0; a stride is 1..65535", start)
        if value > MAX_STRIDE:
            raise self.error("limitExceeded", f"{what} is {value}; a stride is at most 65535", start)
        return value

    def pad(self, what) -> int:
        value, start = self.u32(what)
        if value > MAX_PAD:
            raise self.error("limitExceeded", f"{what} is {value}; a pad is at most 65535", start)
        return value

    def choice(self, what, allowed: dict):
        """A u8 from an enumerated set; returns its name."""
        value, start = self.u8(what, lambda v: f"{v} ({allowed[v]})" if v in allowed else str(v))
        if value not in allowed:
            listed = ", ".join(f"{k} = {v}" for k, v in allowed.items())
            raise self.error("malformed", f"{what} is {value}; allowed: {listed}", start)
        return allowed[value]

    def flag(self, what) -> bool:
        value, start = self.u8(what)
        if value not in (0, 1):
            raise self.error("malformed", f"{what} is {value}; it must be 0 or 1", start)
        return value == 1

    def string(self, what) -> str:
        length, start = self.u32(f"{what} length")
        if length > MAX_STRING_BYTES:
            raise self.error("limitExceeded", f"{what} is {length} bytes, more than the limit of "
                             f"65536", start)
        at, raw = self.take(length, what)
        raw = bytes(raw)
        if b"\0" in raw:
            raise self.error("malformed", f"{what} contains a NUL byte", at)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise self.error("malformed", f"{what} is not valid UTF-8 ({e.reason} at byte "
                             f"{at + e.start})", at) from None
        self.reader.note(at, length, f"{what} = {text!r}")
        return text

    def string_list(self, what) -> list:
        count, start = self.u32(f"{what} count")
        if count > MAX_LIST_ITEMS:
            raise self.error("limitExceeded", f"{what} has {count} items, more than the limit "
                             f"of 65536", start)
        return [self.string(f"{what}[{i}]") for i in range(count)]

    def f32_array(self, count: int, what: str) -> np.ndarray:
        start, raw = self.take(4 * count, what)   # bounds checked before anything is allocated
        values = np.frombuffer(raw, "<f4").astype(np.float32)
        self.reader.note(start, 4 * count, f"{what} = {_values_text(values)}")
        return values

    def finish(self, what: str):
        if self.pos != self.end:
            left = self.end - self.pos
            raise self.error("malformed", f"{left} byte{'s' if left != 1 else ''} left over "
                             f"after {what}")


class _Reader:
    """One pass over a whole file's bytes; `read()` returns a Model or raises NNZError."""

    def __init__(self, data: bytes, trace: list | None = None, info: dict | None = None,
                 reader_version: tuple = READER_VERSION):
        self.data = memoryview(data)
        self.trace = trace
        self.info = info if info is not None else {}
        self.reader_version = tuple(reader_version)
        self.version = (0, 0)
        self.min_reader = (1, 0)
        self.model: Model | None = None
        self.expected: dict = {}
        self.layer_offsets: list = []
        self.stage = -1                 # CHUNK_ORDER rank of the last known chunk
        self.known_chunks = 0           # known chunks read so far (NEND excluded)

    def note(self, offset: int, length: int, text: str):
        """Record one field for `dump`."""
        if self.trace is not None:
            self.trace.append((offset, length, text))

    # -- §10 steps 1-3: signature, length, header -------------------------------------------

    def read(self) -> Model:
        d = self.data
        size = len(d)
        # The signature is compared on the bytes present first, so a short text file is
        # "not a model" rather than "truncated".
        if bytes(d[:min(size, 8)]) != SIGNATURE[:min(size, 8)]:
            raise NNZError("badSignature", _signature_problem(bytes(d[:16])), 0)
        if size < MIN_FILE_LENGTH:
            raise NNZError("truncated", f"the file is {size} bytes; a model file is at least "
                           f"{MIN_FILE_LENGTH} (header and NEND)", size)
        if size > MAX_FILE_LENGTH:
            raise NNZError("limitExceeded", f"the file is {size} bytes, more than the limit of "
                           f"2^31")
        if bytes(d[:8]) != SIGNATURE:
            raise NNZError("badSignature", _signature_problem(bytes(d[:16])), 0)
        self.note(0, 8, 'signature "\\x89NNZ\\r\\n\\x1a\\n"')
        major, minor, need_major, need_minor = struct.unpack("<4H", d[8:16])
        file_length, header_crc = struct.unpack("<QI", d[16:28])
        self.note(8, 2, f"version_major = {major}")
        self.note(10, 2, f"version_minor = {minor}")
        self.note(12, 2, f"min_reader_major = {need_major}")
        self.note(14, 2, f"min_reader_minor = {need_minor}")
        self.note(16, 8, f"file_length = {file_length}")
        computed = crc32(d[:24])
        if computed != header_crc:
            raise NNZError("checksumMismatch", f"header CRC-32 mismatch (stored 0x{header_crc:08x}, "
                           f"computed 0x{computed:08x})", 24)
        self.note(24, 4, f"header_crc = 0x{header_crc:08x} (CRC-32 of bytes 0..23, ok)")
        self.version = (major, minor)
        self.info.update(version=(major, minor), min_reader=(need_major, need_minor),
                         file_length=file_length, chunks=[], tensors={}, skipped=[])
        ours = f"{self.reader_version[0]}.{self.reader_version[1]}"
        if major > self.reader_version[0]:
            raise NNZError("unsupportedVersion", f"this file is format {major}.{minor}, a newer "
                           f"major version; this reader implements format {ours}", 8)
        if (need_major, need_minor) > self.reader_version:
            raise NNZError("unsupportedVersion", f"this file is format {major}.{minor} and needs "
                           f"reader {need_major}.{need_minor}; this reader implements format "
                           f"{ours}", 12)
        if need_major == 0 or (major, minor) < (need_major, need_minor):
            raise NNZError("malformed", f"min_reader {need_major}.{need_minor} is not valid for a "
                           f"format {major}.{minor} file (it must be at least 1.0 and at most the "
                           f"file's version)", 12)
        self.min_reader = (need_major, need_minor)
        if file_length > MAX_FILE_LENGTH:
            # The limit is on the declared length: a short file declaring too much is too
            # large, not cut short.
            raise NNZError("limitExceeded", f"the header declares file_length {file_length}, more "
                           f"than the limit of 2^31", 16)
        if file_length > size:
            raise NNZError("truncated", f"the file is {size} bytes but its header says "
                           f"{file_length}", size)
        if file_length < size:
            raise NNZError("malformed", f"{size - file_length} bytes after the end of the file as "
                           f"its header declares it (file_length {file_length})", file_length)
        self.read_chunks()
        return self.model

    # -- §10 step 4: the chunk frames ---------------------------------------------------------

    def read_chunks(self):
        d = self.data
        size = len(d)
        pos = HEADER_SIZE
        count = 0
        while True:
            if count >= MAX_CHUNKS:
                raise NNZError("limitExceeded", f"more than {MAX_CHUNKS} chunks", pos)
            if size - pos < CHUNK_OVERHEAD:
                what = "before NEND" if size == pos else \
                    f"inside a chunk frame ({size - pos} bytes left, a chunk takes at least 12)"
                raise NNZError("truncated", f"the file ends {what}", pos)
            length = struct.unpack("<I", d[pos:pos + 4])[0]
            type_bytes = bytes(d[pos + 4:pos + 8])
            shown = _printable_type(type_bytes) or type_bytes.hex(" ")
            kind = ("critical" if type_bytes[0] < 97 else "ancillary") if _is_chunk_type(type_bytes) else "invalid"
            self.note(pos, 4, f"{shown} length = {length}")
            self.note(pos + 4, 4, f"type {shown!r} ({kind})")
            if length > MAX_CHUNK_LENGTH:
                raise NNZError("limitExceeded", f"chunk length {length} is more than the limit of "
                               f"2^30", pos, _printable_type(type_bytes))
            if length > size - pos - CHUNK_OVERHEAD:
                raise NNZError("truncated", f"chunk of {length} data bytes runs past the end of "
                               f"the file ({size - pos - CHUNK_OVERHEAD} left)", pos,
                               _printable_type(type_bytes))
            if not _is_chunk_type(type_bytes):
                raise NNZError("malformed", f"chunk type bytes {type_bytes.hex(' ')} are not 4 "
                               f"ASCII letters", pos + 4)
            ctype = type_bytes.decode("ascii")
            data_start, data_end = pos + 8, pos + 8 + length
            stored_crc = struct.unpack("<I", d[data_end:data_end + 4])[0]
            computed = crc32(d[pos + 4:data_end])
            if stored_crc != computed:
                raise NNZError("checksumMismatch", f"CRC-32 mismatch (stored 0x{stored_crc:08x}, "
                               f"computed 0x{computed:08x})", data_end, ctype)
            count += 1
            self.info["chunks"].append((pos, ctype, length))
            self.dispatch(ctype, pos, data_start, data_end)
            self.note(data_end, 4, f"{ctype} crc = 0x{stored_crc:08x} (ok)")
            pos = data_end + 4
            if ctype == "NEND":
                break
        if pos != size:
            raise NNZError("malformed", f"{size - pos} bytes after NEND", pos, "NEND")

    def dispatch(self, ctype: str, pos: int, start: int, end: int):
        if self.model is None and ctype != "ARCH":
            raise NNZError("malformed", f"the first chunk must be ARCH, found {ctype}", pos, ctype)
        if ctype not in CHUNK_ORDER:
            if ctype[0].isupper():
                v = self.version
                r = self.reader_version
                raise NNZError("unknownCriticalChunk", f"unknown critical chunk {ctype} in a format "
                               f"{v[0]}.{v[1]} file; this reader knows format {r[0]}.{r[1]} and "
                               f"cannot read it", pos, ctype)
            self.note(start, end - start, f"data: {end - start} bytes of an unknown ancillary "
                      f"chunk (carried along)")
            self.info["skipped"].append((pos, ctype, end - start))
            self.model.ancillary.append((ctype, bytes(self.data[start:end]), self.known_chunks))
            return
        rank = CHUNK_ORDER[ctype]
        if rank == self.stage and ctype != "TNSR":
            raise NNZError("malformed", f"a second {ctype} chunk (at most one is allowed)", pos,
                           ctype)
        if rank < self.stage:
            raise NNZError("malformed", f"{ctype} out of order: known chunks come as ARCH, TNSR…, "
                           f"NORM, META, test, NEND", pos, ctype)
        self.stage = rank
        if ctype != "NEND":
            self.known_chunks += 1
        cursor = _Cursor(self, start, end, ctype)
        {"ARCH": self.read_arch, "TNSR": self.read_tensor, "NORM": self.read_norm,
         "META": self.read_meta, "test": self.read_test, "NEND": self.read_nend}[ctype](cursor, pos)

    # -- §3 ARCH ------------------------------------------------------------------------------

    def read_arch(self, c: _Cursor, pos: int):
        output_kind = c.choice("output_kind", OUTPUT_KINDS)
        rank, at = c.u8("input_rank")
        if rank not in (1, 3):
            raise c.error("malformed", f"input_rank is {rank}; it must be 1 or 3", at)
        input_shape = tuple(c.dim(f"input_dims[{i}]") for i in range(rank))
        layer_count, at = c.u32("layer_count")
        if layer_count == 0:
            raise c.error("malformed", "layer_count is 0; a model has at least one layer", at)
        if layer_count > MAX_LAYERS:
            raise c.error("limitExceeded", f"layer_count is {layer_count}, more than the limit "
                          f"of 4096", at)
        layers = []
        for i in range(layer_count):
            self.layer_offsets.append(c.pos)
            layers.append(self.read_layer(c, i))
        c.finish("the last layer")
        infer_shapes(input_shape, layers, self.layer_offsets)
        if output_kind == "probabilities" and layers[-1]["kind"] not in ("softmax", "sigmoid"):
            raise NNZError("inconsistent", f"output kind 1 (class probabilities) needs a final "
                           f"softmax or sigmoid layer; the last layer is {layers[-1]['kind']}",
                           pos + 8, "ARCH")
        self.expected = expected_tensors(layers)
        for name, (shape, index) in self.expected.items():
            if 4 * math.prod(shape) > MAX_TENSOR_BYTES:
                raise NNZError("limitExceeded", f"layer {index}: tensor {name} "
                               f"{_shape_text(shape)} would be {4 * math.prod(shape)} bytes, more "
                               f"than the limit of 2^30", self.layer_offsets[index], "ARCH")
        self.model = Model(input_shape=input_shape, output_kind=output_kind, layers=layers)

    def read_layer(self, c: _Cursor, i: int) -> dict:
        p = f"layers[{i}]"
        at = c.pos
        kind_code, _ = c.u8(f"{p}.kind", lambda v: f"{v} ({LAYER_KINDS.get(v, 'unknown')})")
        if kind_code not in LAYER_KINDS or KIND_VERSIONS[kind_code] > self.reader_version:
            r = self.reader_version
            raise c.error("malformed", f"unknown layer kind {kind_code} (layer {i}); this reader "
                          f"knows format {r[0]}.{r[1]}", at)
        kind = LAYER_KINDS[kind_code]
        introduced = KIND_VERSIONS[kind_code]
        if introduced > self.min_reader:
            # Checked before the fields: a file using a newer kind must say so in its header.
            raise c.error("malformed", f"layer {i} is {kind} (kind {kind_code}), a kind of format "
                          f"{introduced[0]}.{introduced[1]}, but the file declares min_reader_version "
                          f"{self.min_reader[0]}.{self.min_reader[1]}; it must be at least "
                          f"{introduced[0]}.{introduced[1]}", at)
        layer: dict[str, Any] = {"kind": kind}
        if kind == "dense":
            layer["inputs"] = c.dim(f"{p}.inputs")
            layer["outputs"] = c.dim(f"{p}.outputs")
            layer["has_bias"] = c.flag(f"{p}.has_bias")
        elif kind == "conv2d":
            for field in ("in_channels", "out_channels", "kernel_h", "kernel_w"):
                layer[field] = c.dim(f"{p}.{field}")
            layer["stride_h"] = c.stride(f"{p}.stride_h")
            layer["stride_w"] = c.stride(f"{p}.stride_w")
            layer["pad_h"] = c.pad(f"{p}.pad_h")
            layer["pad_w"] = c.pad(f"{p}.pad_w")
            layer["has_bias"] = c.flag(f"{p}.has_bias")
        elif kind in ("maxpool", "avgpool"):
            layer["kernel_h"] = c.dim(f"{p}.kernel_h")
            layer["kernel_w"] = c.dim(f"{p}.kernel_w")
            layer["stride_h"] = c.stride(f"{p}.stride_h")
            layer["stride_w"] = c.stride(f"{p}.stride_w")
            pad_at = c.pos
            layer["pad_h"] = c.pad(f"{p}.pad_h")
            layer["pad_w"] = c.pad(f"{p}.pad_w")
            if kind == "avgpool":
                layer["count_include_pad"] = c.flag(f"{p}.count_include_pad")
            # Every window holds at least one real value (for avgpool: never a division by 0).
            if layer["pad_h"] >= layer["kernel_h"] or layer["pad_w"] >= layer["kernel_w"]:
                raise c.error("malformed", f"{kind} padding {layer['pad_h']}x{layer['pad_w']} "
                              f"must be smaller than its kernel {layer['kernel_h']}x"
                              f"{layer['kernel_w']}", pad_at)
        elif kind == "leakyrelu":
            alpha, alpha_at = c.f32(f"{p}.alpha")
            if not math.isfinite(alpha):
                raise c.error("malformed", f"leakyrelu alpha {alpha} must be finite", alpha_at)
            layer["alpha"] = alpha
        elif kind == "dropout":
            ratio, ratio_at = c.f32(f"{p}.ratio")
            if not (math.isfinite(ratio) and 0 <= ratio < 1):
                raise c.error("malformed", f"dropout ratio {ratio} must be finite and in [0, 1)",
                              ratio_at)
            layer["ratio"] = ratio
            layer["convention"] = c.choice(f"{p}.convention", DROPOUT_CONVENTIONS)
        elif kind == "batchnorm":
            layer["axis"] = c.choice(f"{p}.axis", BATCHNORM_AXES)
            layer["channels"] = c.dim(f"{p}.channels")
            epsilon, eps_at = c.f32(f"{p}.epsilon")
            if not (math.isfinite(epsilon) and epsilon > 0):
                raise c.error("malformed", f"batchnorm epsilon {epsilon} must be finite and > 0",
                              eps_at)
            momentum, mom_at = c.f32(f"{p}.momentum")
            if not math.isfinite(momentum):
                raise c.error("malformed", f"batchnorm momentum {momentum} must be finite", mom_at)
            layer["epsilon"] = epsilon
            layer["momentum"] = momentum
        return layer

    # -- §4 TNSR ------------------------------------------------------------------------------

    def read_tensor(self, c: _Cursor, pos: int):
        name = c.string("name")
        dtype, at = c.u8("dtype", lambda v: f"{v} ({DTYPES[v]})" if v in DTYPES else str(v))
        known = {k: v for k, v in DTYPES.items() if DTYPE_VERSIONS[k] <= self.reader_version}
        if dtype not in known:
            r = self.reader_version
            listed = "only 1 (float32)" if len(known) == 1 else \
                ", ".join(f"{k} ({v})" for k, v in known.items())
            raise c.error("malformed", f"tensor {name} has dtype {dtype}; format {r[0]}.{r[1]} "
                          f"knows {listed}", at)
        introduced = DTYPE_VERSIONS[dtype]
        if introduced > self.min_reader:
            # As for layer kinds: a file holding a newer dtype must say so in its header.
            raise c.error("malformed", f"tensor {name} has dtype {dtype} ({DTYPES[dtype]}), which "
                          f"needs min_reader {introduced[0]}.{introduced[1]}; the file says "
                          f"{self.min_reader[0]}.{self.min_reader[1]}", at)
        if dtype == 3 and name in self.expected:
            # Which tensors may be int8 and the reduction-length limit follow from ARCH and the
            # dtype alone: checked before anything is inflated.
            index = self.expected[name][1]
            problem = _int8_rule(name, self.model.layers[index], index, name.rsplit(".", 1)[1])
            if problem is not None:
                raise c.error(problem[0], problem[1], at)
        codec = c.choice("codec", {0: "stored raw", 1: "zlib"})
        filter_at = c.pos
        filt = c.choice("filter", {0: "none", 1: "byte-shuffle"})
        if filt == "byte-shuffle" and codec == "stored raw":
            raise c.error("malformed", f"tensor {name}: byte-shuffle filter requires codec 1 (zlib)",
                          filter_at)
        rank, at = c.u8("rank")
        if not 1 <= rank <= MAX_TENSOR_RANK:
            raise c.error("malformed", f"tensor {name}: rank {rank}; a tensor has rank 1..4", at)
        dims = tuple(c.dim(f"dims[{i}]") for i in range(rank))
        raw_length, raw_at = c.u64("raw_length")
        if raw_length > MAX_TENSOR_BYTES:
            raise c.error("limitExceeded", f"tensor {name}: raw_length {raw_length} is more than "
                          f"the limit of 2^30", raw_at)
        # Cross-chunk checks come before inflating anything: only expected tensors are decoded.
        if name not in self.expected:
            raise NNZError("inconsistent", f"unexpected tensor {name!r}: the architecture has no "
                           f"such parameter", pos, "TNSR")
        if name in self.model.tensors:
            raise NNZError("inconsistent", f"tensor {name} appears twice", pos, "TNSR")
        shape, index = self.expected[name]
        if dims != shape:
            raise NNZError("inconsistent", f"tensor {name} has shape {_shape_text(dims)}, layer "
                           f"{index} needs {_shape_text(shape)}", pos, "TNSR")
        elements = math.prod(dims)
        channels = dims[int8_channel_axis(rank)] if dtype == 3 else 0
        if dtype == 1 and raw_length != 4 * elements:
            raise c.error("inconsistent", f"tensor {name}: raw_length {raw_length} is not 4 × "
                          f"{elements} elements = {4 * elements}", raw_at)
        needed = {1: 4 * elements, 2: 2 * elements, 3: 4 * channels + elements}[dtype]
        if raw_length != needed:
            layout = "float16" if dtype == 2 else f"int8 with {channels} scales"
            raise c.error("inconsistent", f"tensor {name} raw_length is {raw_length}, its shape "
                          f"{_shape_text(dims)} of {layout} needs {needed}", raw_at)
        stored_at, stored = c.take(c.end - c.pos, "stored bytes")
        if codec == "stored raw":
            if len(stored) != raw_length:
                raise c.error("inconsistent", f"tensor {name}: {len(stored)} stored bytes, codec 0 "
                              f"needs exactly raw_length = {raw_length}", stored_at)
            raw = bytes(stored)
        else:
            if raw_length > 1032 * len(stored) + 64:
                raise c.error("limitExceeded", f"tensor {name}: raw_length {raw_length} from "
                              f"{len(stored)} zlib bytes is beyond deflate's ratio (at most "
                              f"1032 × stored + 64 = {1032 * len(stored) + 64})", raw_at)
            raw = _inflate_exact(stored, raw_length, name, stored_at)
        if filt == "byte-shuffle":
            raw = unshuffle_tensor(raw, dtype, elements)
        tensor = decode_tensor(raw, dtype, dims)
        shown = _values_text(as_float32(tensor).ravel(), 8 if codec == "stored raw" else 4)
        if dtype == 3:
            shown = f"scales {_values_text(tensor.scales, 4)}, int8 {_values_text(tensor.values.ravel(), 8)}"
        if codec == "stored raw" and dtype == 3:
            scale_bytes = 4 * tensor.scales.size
            self.note(stored_at, scale_bytes, f"scales = {_values_text(tensor.scales, 8)} (raw f32)")
            self.note(stored_at + scale_bytes, len(stored) - scale_bytes,
                      f"values = {_values_text(tensor.values.ravel(), 8)} (raw int8)")
        elif codec == "stored raw":
            self.note(stored_at, len(stored), f"data = {shown} (raw {DTYPES[dtype]}"
                      f"{', shuffled' if filt == 'byte-shuffle' else ''})")
        else:
            self.note(stored_at, len(stored), f"zlib stream, {len(stored)} bytes -> {raw_length} "
                      f"bytes{' (byte-shuffled)' if filt == 'byte-shuffle' else ''}, "
                      f"{DTYPES[dtype]} {'' if dtype == 3 else 'values '}{shown}")
        problem = _value_problem(dtype, tensor, name)
        if problem is not None:
            # A raw tensor's bytes are in the file as they are: name the culprit's own byte.
            raise c.error("malformed", problem[0],
                          stored_at + problem[1] if codec == "stored raw" else stored_at)
        values = as_float32(tensor)
        if name.endswith(".running_var") and not np.all(values >= 0):
            bad = values.ravel()[~(values.ravel() >= 0)][0]
            raise NNZError("malformed", f"tensor {name}: running variance {bad} is not >= 0", pos,
                           "TNSR")
        self.model.tensors[name] = tensor
        self.info["tensors"][name] = {"dtype": dtype, "codec": 0 if codec == "stored raw" else 1,
                                      "filter": 0 if filt == "none" else 1,
                                      "stored_length": len(stored), "raw_length": raw_length,
                                      "offset": pos}

    # -- §5 NORM ------------------------------------------------------------------------------

    def read_norm(self, c: _Cursor, pos: int):
        kind = c.choice("kind", NORM_KINDS)
        count, at = c.u32("count")
        inputs = self.model.input_size
        if count not in (1, inputs):
            raise c.error("inconsistent", f"NORM count {count} must be 1 or the number of input "
                          f"values {inputs}", at)
        a_at = c.pos
        a = c.f32_array(count, "a")
        b_at = c.pos
        b = c.f32_array(count, "b")
        c.finish("b")
        if not np.all(np.isfinite(a)):
            raise c.error("malformed", "NORM a holds a non-finite value", a_at)
        if not np.all(np.isfinite(b)):
            raise c.error("malformed", "NORM b holds a non-finite value", b_at)
        if kind == "standard" and not np.all(b > 0):
            raise c.error("malformed", "standard normalization needs every std b > 0", b_at)
        if kind == "minmax":
            with np.errstate(over="ignore"):
                span = b - a                      # float32, as the runtime computes it
            if not np.all(b > a):
                i = int(np.argmin(b > a))
                raise c.error("malformed", f"min-max normalization feature {i} has max {_f32_text(b[i])} <= "
                              f"min {_f32_text(a[i])}", b_at)
            if not np.all(np.isfinite(span)):
                i = int(np.argmin(np.isfinite(span)))
                raise c.error("malformed", f"min-max normalization feature {i}: max - min "
                              f"({_f32_text(b[i])} - {_f32_text(a[i])}) overflows float32", b_at)
        self.model.normalization = {"kind": kind, "a": a, "b": b}

    # -- §6 META ------------------------------------------------------------------------------

    def read_meta(self, c: _Cursor, pos: int):
        count, at = c.u32("entry_count")
        if count > MAX_META_ENTRIES:
            raise c.error("limitExceeded", f"{count} metadata entries, more than the limit of 4096",
                          at)
        metadata = {}
        previous = None
        for i in range(count):
            key_at = c.pos
            key = c.string(f"key[{i}]")
            encoded = key.encode("utf-8")
            if not key:
                raise c.error("malformed", f"metadata key {i} is empty", key_at)
            if previous is not None and encoded <= previous:
                problem = "duplicate" if encoded == previous else "not sorted (bytewise UTF-8)"
                raise c.error("malformed", f"metadata key {key!r} is {problem}", key_at)
            previous = encoded
            vtype = c.choice(f"{key} type", META_TYPES)
            value_at = c.pos
            if vtype == "str":
                value = c.string(f"{key} value")
            elif vtype == "f64":
                value, _ = c.f64(f"{key} value")
                if not math.isfinite(value):
                    raise c.error("malformed", f"metadata number {key} = {value} is not finite",
                                  value_at)
            elif vtype == "bool":
                value = c.flag(f"{key} value")
            else:
                value = c.string_list(f"{key} value")
            self.check_well_known(c, key, vtype, value, key_at)
            metadata[key] = value
        c.finish("the last metadata entry")
        self.model.metadata = metadata

    def check_well_known(self, c: _Cursor, key: str, vtype: str, value, at: int):
        wanted = {k: "str" for k in WELL_KNOWN_STRINGS}
        wanted.update(feature_names="strlist", class_labels="strlist")
        if key in wanted and vtype != wanted[key]:
            raise c.error("inconsistent", f"metadata {key} must be a {wanted[key]}, not a {vtype}",
                          at)
        if key == "feature_names":
            if len(value) != self.model.input_size:
                raise c.error("inconsistent", f"feature_names has {len(value)} names, the model "
                              f"has {self.model.input_size} input values", at)
            repeated = _first_repeated(value)
            if repeated is not None:
                raise c.error("inconsistent", f"feature_names holds the name {repeated!r} twice "
                              f"(names are compared as UTF-8 bytes)", at)
        if key == "class_labels":
            if self.model.output_kind == "regression":
                raise c.error("inconsistent", "class_labels on a regression model (output kind 2)",
                              at)
            width = self.model.output_width
            if len(value) != width:
                raise c.error("inconsistent", f"class_labels has {len(value)} labels, the model "
                              f"has {width} outputs", at)
            repeated = _first_repeated(value)
            if repeated is not None:
                raise c.error("inconsistent", f"class_labels holds the label {repeated!r} twice "
                              f"(labels are compared as UTF-8 bytes)", at)

    # -- §7 test ------------------------------------------------------------------------------

    def read_test(self, c: _Cursor, pos: int):
        tolerance, at = c.f32("tolerance")
        if not (math.isfinite(tolerance) and tolerance >= 0):
            raise c.error("malformed", f"self-test tolerance {tolerance} must be finite and >= 0",
                          at)
        rows, at = c.u32("rows")
        if rows == 0:
            raise c.error("malformed", "self-test has 0 rows; it needs 1..256", at)
        if rows > MAX_TEST_ROWS:
            raise c.error("limitExceeded", f"self-test has {rows} rows, more than the limit of 256",
                          at)
        input_width, at = c.u32("input_width")
        if input_width != self.model.input_size:
            raise c.error("inconsistent", f"self-test input_width {input_width}, the model has "
                          f"{self.model.input_size} input values", at)
        output_width, at = c.u32("output_width")
        if output_width != self.model.output_width:
            raise c.error("inconsistent", f"self-test output_width {output_width}, the model has "
                          f"{self.model.output_width} outputs", at)
        inputs = c.f32_array(rows * input_width, "inputs").reshape(rows, input_width)
        outputs = c.f32_array(rows * output_width, "outputs").reshape(rows, output_width)
        c.finish("outputs")
        self.model.self_test = {"tolerance": tolerance, "inputs": inputs, "outputs": outputs}

    # -- §8 NEND and the cross-chunk checks left -------------------------------------------------

    def read_nend(self, c: _Cursor, pos: int):
        if c.end != c.pos:
            raise NNZError("malformed", f"NEND has {c.end - c.pos} data bytes; it must be empty",
                           pos, "NEND")
        missing = [name for name in self.expected if name not in self.model.tensors]
        if missing:
            raise NNZError("inconsistent", f"missing tensor {missing[0]}"
                           + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""),
                           pos, "NEND")
        # Canonical order, whatever order the file had.
        self.model.tensors = {name: self.model.tensors[name] for name in self.expected}


def _first_repeated(names) -> str | None:
    """The first name that occurs twice, comparing UTF-8 bytes (no Unicode normalization, §6)."""
    seen = set()
    for name in names:
        key = name.encode("utf-8")
        if key in seen:
            return name
        seen.add(key)
    return None


def _printable_type(type_bytes: bytes) -> str | None:
    return type_bytes.decode("ascii") if _is_chunk_type(type_bytes) else None


def _signature_problem(head: bytes) -> str:
    """Explain a wrong signature; recognize newline conversion by a text-mode transfer (§10.2).

    CRLF->LF turns the signature into 89 4E 4E 5A 0A 1A 0A; LF->CRLF into
    89 4E 4E 5A 0D 0D 0A 1A 0D 0A (or 0D 0A 1A 0D 0A if the converter leaves CRLF alone)."""
    if head.startswith(SIGNATURE.replace(b"\r\n", b"\n")):
        return ("not a valid nnz file: damaged by a text-mode transfer (CRLF converted to LF); "
                "copy it again in binary mode")
    if (head.startswith(SIGNATURE.replace(b"\n", b"\r\n"))
            or head.replace(b"\r\n", b"\n").startswith(SIGNATURE)):
        return ("not a valid nnz file: damaged by a text-mode transfer (LF converted to CRLF); "
                "copy it again in binary mode")
    return "not an nnz model file (bad signature)"


def _inflate_exact(stored, raw_length: int, name: str, offset: int) -> bytes:
    """Inflate one complete zlib stream to exactly raw_length bytes, never producing more (§4)."""
    def fail(why):
        return NNZError("decompressionFailed", f"tensor {name}: {why}", offset, "TNSR")
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(stored, raw_length)      # max_length: stop at raw_length
        while not inflater.eof and inflater.unconsumed_tail:
            # Output is full; what is left may only finish the stream (end of block, Adler-32).
            left = len(inflater.unconsumed_tail)
            if inflater.decompress(inflater.unconsumed_tail, 1):
                raise fail(f"the zlib stream inflates to more than raw_length = {raw_length} bytes")
            if len(inflater.unconsumed_tail) >= left:
                break
    except zlib.error as e:
        raise fail(f"zlib stream is corrupt ({e})") from None
    if not inflater.eof:
        if len(out) == raw_length and not inflater.unconsumed_tail:
            raise fail(f"zlib stream ends before its end marker / Adler-32 checksum (all "
                       f"{raw_length} bytes inflated)")
        if len(out) == raw_length:
            raise fail(f"the zlib stream inflates to more than raw_length = {raw_length} bytes, "
                       f"or does not end")
        raise fail(f"the zlib stream is incomplete ({len(out)} of {raw_length} bytes inflated)")
    if len(out) != raw_length:
        raise fail(f"the zlib stream inflates to {len(out)} bytes, raw_length is {raw_length}")
    if inflater.unused_data:
        raise fail(f"{len(inflater.unused_data)} bytes after the end of the zlib stream")
    return out


def read_bytes(data, path: str | None = None, *, trace: list | None = None,
               info: dict | None = None, reader_version: tuple = READER_VERSION) -> Model:
    """Decode a whole file's bytes. `trace` collects (offset, length, meaning) for `dump`;
    `info` receives version, chunk list and per-tensor storage for `inspect`.
    `reader_version` (1, 0) reads as a format 1.0 reader would (tests of what an older reader
    says about a newer file: "needs reader 1.1")."""
    try:
        return _Reader(bytes(data), trace, info, reader_version).read()
    except NNZError as e:
        e.path = path
        raise
    except MemoryError:
        raise NNZError("limitExceeded", "out of memory while reading", path=path) from None


def read_model(path: str, *, trace: list | None = None, info: dict | None = None) -> Model:
    """Read and validate a model file; raises NNZError, never anything else for bad input."""
    try:
        size = os.stat(path).st_size
        if os.path.isdir(path):
            raise NNZError("ioError", "is a directory, not a model file", path=path)
        if size > MAX_FILE_LENGTH:
            raise NNZError("limitExceeded", f"the file is {size} bytes, more than the limit of "
                           f"2^31", path=path)
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_LENGTH + 1)
    except FileNotFoundError:
        raise NNZError("fileNotFound", "no such file", path=path) from None
    except NNZError:
        raise
    except OSError as e:
        raise NNZError("ioError", f"cannot read: {e.strerror or e}", path=path) from None
    return read_bytes(data, path, trace=trace, info=info)


# ----------------------------------------------------------------------------------------------
# Writer (§4 writer policy, §2 canonical order)
# ----------------------------------------------------------------------------------------------

def _u8(v): return struct.pack("<B", v)
def _u16(v): return struct.pack("<H", v)
def _u32(v): return struct.pack("<I", v)
def _u64(v): return struct.pack("<Q", v)
def _f32(v): return struct.pack("<f", v)
def _f64(v): return struct.pack("<d", v)


def encode_string(text: str) -> bytes:
    raw = text.encode("utf-8")
    return _u32(len(raw)) + raw


def encode_chunk(ctype: str, data: bytes) -> bytes:
    """length, type, data, CRC-32 of type + data."""
    type_bytes = ctype.encode("ascii")
    return _u32(len(data)) + type_bytes + data + _u32(crc32(type_bytes + data))


def encode_header(file_length: int, version=(1, 0), min_reader=(1, 0)) -> bytes:
    head = SIGNATURE + struct.pack("<4HQ", version[0], version[1], min_reader[0], min_reader[1],
                                   file_length)
    return head + _u32(crc32(head))


def assemble(chunks: list, version=(1, 0), min_reader=(1, 0)) -> bytes:
    """A file from (type, data) pairs: header with the right file_length and CRC, then chunks.
    The caller includes NEND (so tests can build files without one)."""
    body = b"".join(encode_chunk(t, d) for t, d in chunks)
    return encode_header(HEADER_SIZE + len(body), version, min_reader) + body


def _code(mapping: dict, value, what: str) -> int:
    """Accept a name ("dense") or its number (1)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value in mapping:
        return int(value)
    inverse = {v: k for k, v in mapping.items()}
    if value in inverse:
        return inverse[value]
    raise NNZError("writeFailed", f"{what} {value!r} is not one of {list(mapping.values())}")


def encode_arch(model: Model) -> bytes:
    out = [_u8(_code(OUTPUT_KINDS, model.output_kind, "output_kind")),
           _u8(len(model.input_shape))]
    out += [_u32(int(d)) for d in model.input_shape]
    out.append(_u32(len(model.layers)))
    for layer in model.layers:
        kind = layer["kind"]
        out.append(_u8(_code(LAYER_KINDS, kind, "layer kind")))
        kind = LAYER_KINDS[_code(LAYER_KINDS, kind, "layer kind")]
        for field in LAYER_FIELDS[kind]:
            value = layer[field]
            if field in ("has_bias", "count_include_pad"):
                out.append(_u8(1 if value else 0))
            elif field in ("ratio", "epsilon", "momentum", "alpha"):
                out.append(_f32(float(value)))
            elif field == "convention":
                out.append(_u8(_code(DROPOUT_CONVENTIONS, value, "dropout convention")))
            elif field == "axis":
                out.append(_u8(_code(BATCHNORM_AXES, value, "batchnorm axis")))
            else:
                out.append(_u32(int(value)))
    return b"".join(out)


def encode_tensor_fields(name: str, dims, raw_length: int, codec: int, filt: int,
                         stored: bytes, dtype: int = 1) -> bytes:
    """TNSR data from its fields as given (no policy; fixtures use it to build bad tensors)."""
    return (encode_string(name) + _u8(dtype) + _u8(codec) + _u8(filt) + _u8(len(dims))
            + b"".join(_u32(int(d)) for d in dims) + _u64(raw_length) + stored)


def zlib_compress(data: bytes) -> bytes:
    """The writer policy's zlib stream (FORMAT.md §4): level 9, window bits 15, memory level 8,
    strategy Z_HUFFMAN_ONLY, one stream finished at once (the Swift writer's deflate(Z_FINISH))."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 15, 8, zlib.Z_HUFFMAN_ONLY)
    return compressor.compress(data) + compressor.flush()


def encode_tensor(name: str, values) -> bytes:
    """TNSR data by the writer policy (§4): the dtype's raw bytes byte-shuffled (float32 4-byte
    planes, float16 2-byte planes, int8 4-byte planes over the scales only) and compressed with
    Huffman-only zlib; raw and unshuffled if the stream is not shorter. A float16 ndarray is
    written as dtype 2, an Int8Tensor as dtype 3, anything else as float32."""
    if isinstance(values, Int8Tensor):
        tensor = Int8Tensor(np.asarray(values.scales, np.float32).ravel(),
                            np.asarray(values.values, np.int8))
    else:
        tensor = np.asarray(values)
        if tensor.dtype != np.float16:
            tensor = tensor.astype(np.float32)
            if not np.all(np.isfinite(tensor)):
                raise NNZError("writeFailed", f"tensor {name} holds a non-finite value")
    dtype = tensor_dtype(tensor)
    problem = _value_problem(dtype, tensor, name)
    if problem is not None:
        raise NNZError("writeFailed", problem[0])
    raw = encode_tensor_raw(tensor)
    compressed = zlib_compress(shuffle_tensor(raw, dtype, tensor.size))
    if len(compressed) < len(raw):
        return encode_tensor_fields(name, tensor.shape, len(raw), 1, 1, compressed, dtype)
    return encode_tensor_fields(name, tensor.shape, len(raw), 0, 0, raw, dtype)


def encode_norm(normalization: dict) -> bytes:
    a = np.asarray(normalization["a"], dtype=np.float32).ravel()
    b = np.asarray(normalization["b"], dtype=np.float32).ravel()
    if a.shape != b.shape:
        raise NNZError("writeFailed", "normalization a and b differ in length")
    return (_u8(_code(NORM_KINDS, normalization["kind"], "normalization kind")) + _u32(a.size)
            + a.astype("<f4").tobytes() + b.astype("<f4").tobytes())


def encode_meta(metadata: dict) -> bytes:
    """Entries sorted bytewise by the UTF-8 key (§6)."""
    keys = sorted(metadata, key=lambda k: k.encode("utf-8"))
    out = [_u32(len(keys))]
    for key in keys:
        value = metadata[key]
        out.append(encode_string(key))
        if isinstance(value, (bool, np.bool_)):
            out += [_u8(3), _u8(1 if value else 0)]
        elif isinstance(value, str):
            out += [_u8(1), encode_string(value)]
        elif isinstance(value, (int, float, np.integer, np.floating)):
            out += [_u8(2), _f64(float(value))]
        elif isinstance(value, (list, tuple)) and all(isinstance(s, str) for s in value):
            out += [_u8(4), _u32(len(value))] + [encode_string(s) for s in value]
        else:
            raise NNZError("writeFailed", f"metadata {key}: cannot store a "
                           f"{type(value).__name__} (str, number, bool or list of str)")
    return b"".join(out)


def encode_test(self_test: dict) -> bytes:
    inputs = np.asarray(self_test["inputs"], dtype=np.float32)
    outputs = np.asarray(self_test["outputs"], dtype=np.float32)
    inputs = inputs.reshape(inputs.shape[0], -1)
    outputs = outputs.reshape(outputs.shape[0], -1)
    if inputs.shape[0] != outputs.shape[0]:
        raise NNZError("writeFailed", "self-test inputs and outputs differ in rows")
    return (_f32(float(self_test["tolerance"])) + _u32(inputs.shape[0]) + _u32(inputs.shape[1])
            + _u32(outputs.shape[1]) + inputs.astype("<f4").tobytes()
            + outputs.astype("<f4").tobytes())


def model_chunks(model: Model) -> list:
    """(type, data) for every chunk, in the writers' order ARCH, TNSR…, NORM?, META?, test?, NEND."""
    chunks = [("ARCH", encode_arch(model))]
    expected = expected_tensors(model.layers)
    extra = [name for name in model.tensors if name not in expected]
    if extra:
        raise NNZError("writeFailed", f"tensor {extra[0]} belongs to no layer parameter")
    for name, (shape, _) in expected.items():
        if name not in model.tensors:
            raise NNZError("writeFailed", f"missing tensor {name} {_shape_text(shape)}")
        values = model.tensors[name]
        if not isinstance(values, Int8Tensor):
            values = np.asarray(values)
        if tuple(values.shape) != shape:
            raise NNZError("writeFailed", f"tensor {name} has shape {_shape_text(values.shape)}, "
                           f"the layer needs {_shape_text(shape)}")
        chunks.append(("TNSR", encode_tensor(name, values)))
    if model.normalization is not None:
        chunks.append(("NORM", encode_norm(model.normalization)))
    if model.metadata:
        chunks.append(("META", encode_meta(model.metadata)))
    if model.self_test is not None:
        chunks.append(("test", encode_test(model.self_test)))
    # Each carried ancillary chunk goes after as many known chunks as preceded it in the file it
    # came from (at least ARCH, at most all of them), in order (§11).
    placed = [[] for _ in chunks]
    for entry in model.ancillary:
        ctype, data = entry[0], bytes(entry[1])
        after = entry[2] if len(entry) > 2 else len(chunks)
        if not (_is_chunk_type(ctype.encode("ascii", "replace")) and ctype[0].islower()) \
                or ctype in CHUNK_ORDER:
            raise NNZError("writeFailed", f"chunk type {ctype!r} is not an unknown ancillary type "
                           f"(4 ASCII letters, the first lowercase, not a known chunk type)")
        placed[max(1, min(after, len(chunks))) - 1].append((ctype, data))
    chunks = [c for known, extra in zip(chunks, placed) for c in [known] + extra]
    chunks.append(("NEND", b""))
    return chunks


def encode_model(model: Model) -> bytes:
    """The file's bytes. Validated by reading them back: a writer never emits an invalid file.
    Both header versions are the lowest that describes the file (minimum_reader_version)."""
    try:
        version = minimum_reader_version(model.layers, model.tensors)
        data = assemble(model_chunks(model), version=version, min_reader=version)
    except NNZError as e:
        raise NNZError("writeFailed", e.message) from None
    except (KeyError, ValueError, TypeError, AttributeError, IndexError, struct.error,
            OverflowError) as e:
        raise NNZError("writeFailed", f"the model is not well-formed ({type(e).__name__}: {e})") \
            from None
    try:
        read_bytes(data)
    except NNZError as e:
        raise NNZError("writeFailed", f"the model is not valid: {e}") from None
    return data


def atomic_write(path: str, data: bytes):
    """Write via a temporary file in the same directory, fsync, then rename over `path`."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp",
                                         dir=directory)
    except OSError as e:
        raise NNZError("writeFailed", f"cannot create a file in {directory}: {e.strerror or e}",
                       path=path) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException as e:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise NNZError("writeFailed", f"cannot write: {e.strerror or e}", path=path) from None
        raise
    try:     # make the rename itself durable
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def write_model(model: Model, path: str):
    """Encode (validating) and write atomically."""
    try:
        data = encode_model(model)
    except NNZError as e:
        e.path = path
        raise
    atomic_write(path, data)


# ----------------------------------------------------------------------------------------------
# Conversions (§4 "Conversions"): bit for bit those of Swift's Tensor.float16() / int8(outputAxis:)
# ----------------------------------------------------------------------------------------------

def to_float16(name: str, values) -> np.ndarray:
    """`values` (any tensor) rounded to float16, to nearest with ties to even (numpy's
    astype(np.float16)). NNZError writeFailed for a NaN or a value that rounds beyond the
    float16 range (|x| >= 65520), with Swift's words."""
    if not isinstance(values, Int8Tensor) and np.asarray(values).dtype == np.float16:
        return np.asarray(values)
    x = as_float32(values)
    with np.errstate(over="ignore", invalid="ignore"):
        half = x.astype(np.float16)
    flat, bad = x.ravel(), np.flatnonzero(~np.isfinite(half.ravel()))
    if bad.size:
        i = int(bad[0])
        if np.isnan(flat[i]):
            raise NNZError("writeFailed", f"tensor {name} value nan at element {i} cannot be stored "
                           f"as float16 (values must be finite)")
        raise NNZError("writeFailed", f"tensor {name} value {_swift_float(flat[i])} at element {i} "
                       f"is out of float16 range (|x| <= 65504)")
    return half


def to_int8(name: str, values, output_axis: int) -> Int8Tensor:
    """`values` (any tensor) quantized to int8 with one scale per index of `output_axis`: 1 for a
    dense weight [inputs, outputs], 0 for a conv2d weight [out, in, kh, kw] (the only axes the
    format stores). Per channel: m = max |w| (float32); m == 0 gives scale 1 and values 0, else
    scale = m / 127 (float32 division) and q = clip(rint(w / scale), -127, 127) (float32
    division, rint half to even). An Int8Tensor is returned unchanged. NNZError writeFailed for
    another axis, a non-finite value, or a channel whose m / 127 rounds to 0."""
    if isinstance(values, Int8Tensor):
        return values
    x = as_float32(values)
    axis = int8_channel_axis(x.ndim)
    if axis is None or axis != output_axis:
        raise NNZError("writeFailed", f"tensor {name} {_shape_text(x.shape)}: int8 scales run along "
                       f"axis 1 of a rank-2 (dense) weight or axis 0 of a rank-4 (conv2d) weight, "
                       f"not axis {output_axis} of rank {x.ndim}")
    flat = x.ravel()
    bad = np.flatnonzero(~np.isfinite(flat))
    if bad.size:
        i = int(bad[0])
        raise NNZError("writeFailed", f"tensor {name} value {_swift_float(flat[i])} at element {i} "
                       f"cannot be quantized to int8 (values must be finite)")
    channels = np.moveaxis(x, axis, 0).reshape(x.shape[axis], -1)       # C, values of channel c
    largest = np.abs(channels).max(axis=1)
    scales = np.where(largest == 0, np.float32(1), largest / np.float32(127)).astype(np.float32)
    for c in np.flatnonzero(scales == 0):
        raise NNZError("writeFailed", f"tensor {name} channel {c}: its largest |value| "
                       f"{_swift_float(largest[c])} is too small for an int8 scale "
                       f"({_swift_float(largest[c])} / 127 rounds to 0)")
    q = np.clip(np.rint(channels / scales[:, None]), -127, 127).astype(np.int8)
    q[largest == 0] = 0
    values8 = np.moveaxis(q.reshape((x.shape[axis],) + tuple(np.delete(x.shape, axis))), 0, axis)
    return Int8Tensor(scales, np.ascontiguousarray(values8))


def fold_batchnorm(model: Model) -> Model:
    """The model with every batchnorm that directly follows a dense or conv2d layer folded into
    that layer's weight and bias, and removed (later layers are renumbered, their tensors
    renamed). Per output channel c, in float32 operations in this order:

        k[c] = gamma[c] / sqrt(running_var[c] + epsilon)       (float32 sqrt, then division)
        w'   = w * k[c]        (dense: column c of [inputs, outputs]; conv2d: filter c)
        b'   = (b - running_mean[c]) * k[c] + beta[c]          (b = 0 if the layer had none;
                                                                 the layer gets has_bias 1)

    (each step a separate float32 operation, no fused multiply-add; the runtime's own fold in
    Compiler.swift computes the same). Other batchnorms, normalization, metadata, self-test and
    ancillary chunks are kept as they are."""
    layers, tensors = [], {}
    old = model.layers
    i = 0
    while i < len(old):
        layer = dict(old[i])
        params = {p: model.tensors[f"layers.{i}.{p}"] for p in parameter_shapes(layer)}
        following = old[i + 1] if i + 1 < len(old) else None
        if layer["kind"] in ("dense", "conv2d") and following and following["kind"] == "batchnorm":
            gamma, beta, mean, var = (as_float32(model.tensors[f"layers.{i + 1}.{p}"])
                                      for p in ("gamma", "beta", "running_mean", "running_var"))
            k = gamma / np.sqrt(var + np.float32(following["epsilon"]))
            weight = as_float32(params["weight"])
            weight = weight * (k[None, :] if layer["kind"] == "dense" else k[:, None, None, None])
            bias = as_float32(params["bias"]) if layer["has_bias"] else np.zeros(k.size, np.float32)
            params = {"weight": weight, "bias": (bias - mean) * k + beta}
            layer["has_bias"] = True
            i += 2
        else:
            i += 1
        for param, value in params.items():
            tensors[f"layers.{len(layers)}.{param}"] = value
        layers.append(layer)
    return dataclasses.replace(model, layers=layers, tensors=tensors,
                               metadata=dict(model.metadata), ancillary=list(model.ancillary))


def quantize_model(model: Model, dtype: str) -> Model:
    """A smaller copy of `model` (format 1.1):

    "int8"     fold_batchnorm first, then every dense and conv2d weight to_int8 per output
               channel (dense axis 1, conv2d axis 0); biases and the batchnorms left (not after
               a dense/conv2d) stay float32.
    "float16"  every tensor to_float16 (no fold: batch norm stays, in float16).

    A self-test is recomputed on its inputs by this module's forward of the converted model
    (for int8: the runtime's integer arithmetic), with the same tolerance."""
    if dtype == "int8":
        result = fold_batchnorm(model)
        for index, layer in enumerate(result.layers):
            if layer["kind"] in ("dense", "conv2d"):
                name = f"layers.{index}.weight"
                result.tensors[name] = to_int8(name, result.tensors[name],
                                               1 if layer["kind"] == "dense" else 0)
            for param in parameter_shapes(layer):
                name = f"layers.{index}.{param}"
                if not isinstance(result.tensors[name], Int8Tensor):
                    result.tensors[name] = as_float32(result.tensors[name])
    elif dtype == "float16":
        result = dataclasses.replace(model, tensors={name: to_float16(name, t)
                                                     for name, t in model.tensors.items()},
                                     metadata=dict(model.metadata), ancillary=list(model.ancillary))
    else:
        raise ValueError(f"dtype {dtype!r}: expected 'int8' or 'float16'")
    if model.self_test is not None:
        result.self_test = make_self_test(result, model.self_test["inputs"],
                                          model.self_test["tolerance"])
    return result


# ----------------------------------------------------------------------------------------------
# Reference forward pass (§3 semantics, inference): float64 arithmetic on float32 weights
# ----------------------------------------------------------------------------------------------

def normalize(model: Model, x) -> np.ndarray:
    """Raw inputs [N, F] -> normalized float32 [N, F] (§5: in float32)."""
    x32 = np.asarray(x, dtype=np.float32).reshape(-1, model.input_size)
    norm = model.normalization
    if norm is None:
        return x32
    a = np.asarray(norm["a"], dtype=np.float32)
    b = np.asarray(norm["b"], dtype=np.float32)
    with np.errstate(all="ignore"):
        if _code(NORM_KINDS, norm["kind"], "normalization kind") == 1:
            return (x32 - a) / b
        return (x32 - a) / (b - a)


def _windows(x: np.ndarray, layer: dict, fill: float) -> np.ndarray:
    """[N, C, H, W] -> [N, C, H', W', kh, kw] windows at stride, with `fill` padding."""
    ph, pw = layer["pad_h"], layer["pad_w"]
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    windows = np.lib.stride_tricks.sliding_window_view(
        padded, (layer["kernel_h"], layer["kernel_w"]), axis=(2, 3))
    return windows[:, :, ::layer["stride_h"], ::layer["stride_w"]]


def _apply(layer: dict, index: int, x: np.ndarray, tensors: dict) -> np.ndarray:
    kind = layer["kind"]

    def param(name):
        return as_float32(tensors[f"layers.{index}.{name}"]).astype(np.float64)

    weight = tensors.get(f"layers.{index}.weight")
    if isinstance(weight, Int8Tensor):
        bias = as_float32(tensors[f"layers.{index}.bias"]) if layer["has_bias"] else None
        x32 = x.astype(np.float32)
        if kind == "dense":
            return int8_dense(x32, weight, bias).astype(np.float64)
        return int8_conv2d(x32, weight, bias, layer).astype(np.float64)
    if kind == "dense":
        y = x @ param("weight")
        return y + param("bias") if layer["has_bias"] else y
    if kind == "conv2d":
        n = x.shape[0]
        windows = _windows(x, layer, 0.0)                       # N, C, H', W', kh, kw
        _, c, h_out, w_out, kh, kw = windows.shape
        columns = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * h_out * w_out, c * kh * kw)
        weight = param("weight")
        y = columns @ weight.reshape(weight.shape[0], -1).T      # N*H'*W', O
        if layer["has_bias"]:
            y = y + param("bias")
        return y.reshape(n, h_out, w_out, -1).transpose(0, 3, 1, 2)
    if kind == "maxpool":
        return _windows(x, layer, -np.inf).max(axis=(4, 5))     # padding never wins
    if kind == "avgpool":
        sums = _windows(x, layer, 0.0).sum(axis=(4, 5))
        if layer["count_include_pad"]:
            return sums / (layer["kernel_h"] * layer["kernel_w"])
        real = _windows(np.ones((1, 1) + x.shape[2:]), layer, 0.0).sum(axis=(4, 5))
        return sums / real                                      # the real positions only
    if kind == "globalavgpool":
        return x.mean(axis=(2, 3), keepdims=True)
    if kind == "leakyrelu":
        return np.where(x >= 0, x, float(np.float32(layer["alpha"])) * x)
    if kind == "flatten":
        return x.reshape(x.shape[0], -1)
    if kind == "relu":
        return np.maximum(x, 0.0)
    if kind == "sigmoid":
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-x))
    if kind == "tanh":
        return np.tanh(x)
    if kind == "softmax":
        e = np.exp(x - x.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    if kind == "dropout":
        if _code(DROPOUT_CONVENTIONS, layer["convention"], "dropout convention") == 0:
            return x
        return x * (1.0 - float(np.float32(layer["ratio"])))
    if kind == "batchnorm":
        shape = (1, -1) if x.ndim == 2 else (1, -1, 1, 1)
        mean, var, gamma, beta = (param(p).reshape(shape) for p in
                                  ("running_mean", "running_var", "gamma", "beta"))
        epsilon = float(np.float32(layer["epsilon"]))
        return (x - mean) / np.sqrt(var + epsilon) * gamma + beta
    raise NNZError("malformed", f"unknown layer kind {kind!r}")


def quantize_input_u8(x: np.ndarray) -> tuple:
    """One sample's float32 layer input -> (q, zp, r): q int64 in 0..255 with q ≈ x / r + zp
    (int8.md "Runtime int8 arithmetic"), every step a float32 operation:
    lo = min(0, min x), hi = max(0, max x); r = (hi - lo) / 255 and zp = clamp(rint(-lo / r),
    0, 255), or r = 1, zp = 0 when hi == lo; q = clamp(rint(x * (1 / r)) + zp, 0, 255)."""
    zero = np.float32(0)
    lo = np.minimum(zero, x.min())
    hi = np.maximum(zero, x.max())
    if hi == lo:
        r, zp = np.float32(1), 0
    else:
        r = (hi - lo) / np.float32(255)
        zp = int(np.clip(np.rint(-lo / r), 0, 255))
    inv = np.float32(1) / r
    q = np.clip(np.rint(x * inv).astype(np.int64) + zp, 0, 255)
    return q, zp, r


def _int8_epilogue(acc: np.ndarray, zp: int, colsum: np.ndarray, scales: np.ndarray,
                   r: np.float32, bias: np.ndarray) -> np.ndarray:
    """float32 outputs from int accumulators [..., C]: t = float32(acc - zp * colsum) (exact
    integers, one rounding), then p = t * (s[c] * r) and y = p + b[c], each a separate float32
    operation (no fused multiply-add)."""
    t = (acc - zp * colsum).astype(np.float32)
    m = scales * r
    p = t * m
    return p + bias


def int8_dense(x: np.ndarray, weight: Int8Tensor, bias: np.ndarray | None) -> np.ndarray:
    """A dense layer with int8 weights on float32 inputs [N, K] -> float32 [N, C], exactly as the
    runtime's int8 kernels compute it: each row quantized by quantize_input_u8, acc[c] =
    Σ_k q[k]·w[k][c] in integers (|acc| < 2^31 by the reduction-length limit), then
    _int8_epilogue. A row holding NaN or ±inf gives NaN outputs."""
    w = np.asarray(weight.values, np.int64)
    scales = np.asarray(weight.scales, np.float32)
    colsum = w.sum(axis=0)
    b = np.zeros(w.shape[1], np.float32) if bias is None else np.asarray(bias, np.float32)
    out = np.empty((x.shape[0], w.shape[1]), np.float32)
    for n, row in enumerate(np.asarray(x, np.float32).reshape(x.shape[0], -1)):
        if not np.all(np.isfinite(row)):
            out[n] = np.nan
            continue
        q, zp, r = quantize_input_u8(row)
        out[n] = _int8_epilogue(q @ w, zp, colsum, scales, r, b)
    return out


def int8_conv2d(x: np.ndarray, weight: Int8Tensor, bias: np.ndarray | None,
                layer: dict) -> np.ndarray:
    """A conv2d layer with int8 weights on float32 inputs [N, C, H, W] -> float32 [N, O, H', W'],
    as the runtime computes it: the whole sample (C·H·W values) quantized once by
    quantize_input_u8, padding taps reading zp (so they add exactly 0 after the zp correction),
    integer sums over in·kh·kw, then _int8_epilogue per output channel. A sample holding NaN or
    ±inf gives NaN outputs."""
    w = np.asarray(weight.values, np.int64).reshape(weight.shape[0], -1)        # O, K
    scales = np.asarray(weight.scales, np.float32)
    colsum = w.sum(axis=1)
    b = np.zeros(w.shape[0], np.float32) if bias is None else np.asarray(bias, np.float32)
    ph, pw = layer["pad_h"], layer["pad_w"]
    _, c, h, wd = x.shape
    h_out = (h + 2 * ph - layer["kernel_h"]) // layer["stride_h"] + 1
    w_out = (wd + 2 * pw - layer["kernel_w"]) // layer["stride_w"] + 1
    out = np.empty((x.shape[0], w.shape[0], h_out, w_out), np.float32)
    for n, sample in enumerate(np.asarray(x, np.float32)):
        if not np.all(np.isfinite(sample)):
            out[n] = np.nan
            continue
        q, zp, r = quantize_input_u8(sample.ravel())
        padded = np.pad(q.reshape(c, h, wd), ((0, 0), (ph, ph), (pw, pw)), constant_values=zp)
        windows = np.lib.stride_tricks.sliding_window_view(
            padded, (layer["kernel_h"], layer["kernel_w"]), axis=(1, 2))
        windows = windows[:, ::layer["stride_h"], ::layer["stride_w"]]          # C, H', W', kh, kw
        columns = windows.transpose(1, 2, 0, 3, 4).reshape(h_out * w_out, -1)    # H'W', K
        y = _int8_epilogue(columns @ w.T, zp, colsum, scales, r, b)              # H'W', O
        out[n] = y.reshape(h_out, w_out, -1).transpose(2, 0, 1)
    return out


def forward(model: Model, x) -> np.ndarray:
    """Raw inputs [N, F] or [N, *input_shape] -> outputs float64 [N, K].

    float32 and float16 layers run in float64 on the (widened) weights; a dense or conv2d layer
    with int8 weights takes its input rounded to float32 and computes exactly what the runtime's
    int8 kernels do (int8_dense, int8_conv2d), its float32 output going on in float64."""
    x = np.asarray(x)
    if x.ndim == 1:
        x = x.reshape(1, -1)
    n = x.shape[0]
    if x.size != n * model.input_size:
        raise ValueError(f"inputs have {x.size // max(n, 1)} values per row, the model takes "
                         f"{model.input_size}")
    h = normalize(model, x).astype(np.float64).reshape((n,) + tuple(model.input_shape))
    with np.errstate(all="ignore"):
        for index, layer in enumerate(model.layers):
            h = _apply(layer, index, h, model.tensors)
    return h.reshape(n, -1)


def make_self_test(model: Model, inputs, tolerance: float = 1e-5) -> dict:
    """A self-test whose outputs are this reference forward's (rounded to float32)."""
    inputs = np.asarray(inputs, dtype=np.float32).reshape(-1, model.input_size)
    return {"tolerance": float(np.float32(tolerance)), "inputs": inputs,
            "outputs": forward(model, inputs).astype(np.float32)}


def run_self_test(model: Model) -> tuple:
    """(passed, largest absolute difference, tolerance) for the model's self-test."""
    test = model.self_test
    got = forward(model, test["inputs"])
    diff = np.abs(got - np.asarray(test["outputs"], dtype=np.float64))
    worst = float(np.max(diff)) if not np.any(np.isnan(diff)) else math.nan
    return bool(worst <= test["tolerance"]), worst, float(test["tolerance"])


# ----------------------------------------------------------------------------------------------
# CSV helpers (shared with the fixture tools)
# ----------------------------------------------------------------------------------------------

def read_csv(path: str) -> tuple:
    """(header or None, float64 rows). A first row that is not all numbers is the header."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = [line.strip() for line in f.read().splitlines()]
    except FileNotFoundError:
        raise NNZError("fileNotFound", "no such file", path=path) from None
    except (OSError, UnicodeDecodeError) as e:
        raise NNZError("ioError", f"cannot read: {e}", path=path) from None
    rows = [(number, [cell.strip() for cell in line.split(",")])
            for number, line in enumerate(lines, 1) if line]

    def numeric(cells):
        try:
            [float(cell) for cell in cells]
            return True
        except ValueError:
            return False

    header = None
    if rows and not numeric(rows[0][1]):
        header = rows.pop(0)[1]
    values = []
    for number, cells in rows:
        try:
            values.append([float(cell) for cell in cells])
        except ValueError:
            raise NNZError("malformed", f"line {number} holds a value that is not a number",
                           path=path) from None
        if len(cells) != len(rows[0][1]):
            raise NNZError("malformed", f"line {number} has {len(cells)} values, line "
                           f"{rows[0][0]} has {len(rows[0][1])}", path=path)
    return header, np.array(values, dtype=np.float64).reshape(len(values), -1)


def format_csv(header: list, rows) -> str:
    lines = [",".join(header)]
    lines += [",".join("%.9g" % v for v in row) for row in np.asarray(rows, dtype=np.float64)]
    return "\n".join(lines) + "\n"


def output_header(model: Model) -> list:
    labels = model.metadata.get("class_labels")
    return list(labels) if labels else [f"y{j}" for j in range(model.output_width)]


def input_header(model: Model) -> list:
    names = model.metadata.get("feature_names")
    return list(names) if names else [f"x{j}" for j in range(model.input_size)]


# ----------------------------------------------------------------------------------------------
# Human-readable views: inspect and dump
# ----------------------------------------------------------------------------------------------

def _layer_details(layer: dict) -> str:
    kind = layer["kind"]
    if kind == "dense":
        return f"{layer['inputs']} -> {layer['outputs']}" + ("" if layer["has_bias"] else ", no bias")
    if kind in WINDOW_KINDS:
        text = (f"kernel {layer['kernel_h']}x{layer['kernel_w']}, stride {layer['stride_h']}x"
                f"{layer['stride_w']}, pad {layer['pad_h']}x{layer['pad_w']}")
        if kind == "avgpool":
            text += ", include padding" if layer["count_include_pad"] else ", exclude padding"
        if kind == "conv2d":
            text = f"{layer['in_channels']} -> {layer['out_channels']} channels, " + text
            text += "" if layer["has_bias"] else ", no bias"
        return text
    if kind == "dropout":
        return f"ratio {_f32_text(layer['ratio'])}, {layer['convention']}"
    if kind == "leakyrelu":
        return f"alpha {_f32_text(layer['alpha'])}"
    if kind == "batchnorm":
        return (f"{layer['axis']}, {layer['channels']} channels, epsilon "
                f"{_f32_text(layer['epsilon'])}, momentum {_f32_text(layer['momentum'])}")
    return ""


def inspect_text(path: str) -> str:
    info: dict = {}
    model = read_model(path, info=info)
    out = [f"{path}: nnz format {info['version'][0]}.{info['version'][1]} (needs reader "
           f"{info['min_reader'][0]}.{info['min_reader'][1]}), {info['file_length']} bytes, "
           f"{len(info['chunks'])} chunks"]
    out.append(f"input   {_shape_text(model.input_shape)} ({model.input_size} values)")
    norm = model.normalization
    if norm is None:
        out.append("normalization  none")
    else:
        formula = "(x - a) / b" if norm["kind"] == "standard" else "(x - a) / (b - a)"
        out.append(f"normalization  {norm['kind']} {formula}, count {len(norm['a'])}: a = "
                   f"{_values_text(norm['a'], 6)}, b = {_values_text(norm['b'], 6)}")
    out.append(f"output  {model.output_width} {model.output_kind}")
    shapes = infer_shapes(model.input_shape, model.layers)
    out.append("layers")
    out.append(f"  {'#':>3}  {'kind':<13} {'output':<16} {'params':>9}  details")
    total = 0
    for i, (layer, shape) in enumerate(zip(model.layers, shapes)):
        params = sum(math.prod(s) for s in parameter_shapes(layer).values())
        total += params
        out.append(f"  {i:>3}  {layer['kind']:<13} {_shape_text(shape):<16} {params:>9}  "
                   f"{_layer_details(layer)}".rstrip())
    out.append(f"  total parameters: {total}")
    out.append("tensors")
    out.append(f"  {'name':<26} {'shape':<16} {'dtype':<8} {'storage':<16} {'stored':>9} {'raw':>9} "
               f"{'ratio':>6}")
    stored_total = raw_total = 0
    for name, values in model.tensors.items():
        t = info["tensors"][name]
        storage = "shuffle+zlib" if t["codec"] == 1 and t["filter"] == 1 else \
            ("zlib" if t["codec"] == 1 else ("raw, shuffled" if t["filter"] else "raw"))
        stored_total += t["stored_length"]
        raw_total += t["raw_length"]
        out.append(f"  {name:<26} {_shape_text(values.shape):<16} {DTYPES[t['dtype']]:<8} {storage:<16} "
                   f"{t['stored_length']:>9} {t['raw_length']:>9} "
                   f"{t['stored_length'] / t['raw_length']:>6.3f}")
    if raw_total:
        out.append(f"  {'total':<26} {'':<16} {'':<8} {'':<16} {stored_total:>9} {raw_total:>9} "
                   f"{stored_total / raw_total:>6.3f}")
    out.append("metadata" + ("  none" if not model.metadata else ""))
    for key, value in model.metadata.items():
        if isinstance(value, list):
            shown = "[" + ", ".join(repr(s) for s in value[:12]) + (", …" if len(value) > 12 else "") + "]"
            out.append(f"  {key} (strlist, {len(value)}) = {shown}")
        elif isinstance(value, bool):
            out.append(f"  {key} (bool) = {str(value).lower()}")
        elif isinstance(value, float):
            out.append(f"  {key} (f64) = {value!r}")
        else:
            out.append(f"  {key} (str) = {value!r}")
    for pos, ctype, length in info["skipped"]:
        out.append(f"ancillary chunk {ctype} ({length} bytes at byte {pos}) skipped")
    if model.self_test is None:
        out.append("self-test  none")
    else:
        passed, worst, tolerance = run_self_test(model)
        out.append(f"self-test  {len(model.self_test['inputs'])} rows, tolerance "
                   f"{_f32_text(tolerance)}: largest difference {worst:.3g} -> "
                   f"{'pass' if passed else 'FAIL'}")
    return "\n".join(out)


def dump_text(data: bytes, max_field_bytes: int = 32) -> tuple:
    """(annotated hex dump, error or None). Fields longer than max_field_bytes are elided."""
    trace: list = []
    error = None
    try:
        read_bytes(data, trace=trace)
    except NNZError as e:
        error = e
    lines = [f"{'offset':>6}  {'bytes':<23}  meaning"]
    covered = 0

    def hex_lines(offset, raw, text):
        shown = raw[:max_field_bytes]
        rows = [shown[i:i + 8] for i in range(0, len(shown), 8)] or [b""]
        for j, row in enumerate(rows):
            lines.append(f"{offset + 8 * j:>6}  {row.hex(' '):<23}  {text if j == 0 else ''}".rstrip())
        if len(raw) > len(shown):
            lines.append(f"{'':>6}  … {len(raw) - len(shown)} more bytes")

    for offset, length, text in sorted(trace, key=lambda t: t[0]):
        if offset < covered:
            continue
        if offset > covered:
            hex_lines(covered, data[covered:offset], "(not decoded)")
        hex_lines(offset, data[offset:offset + length], text)
        covered = offset + length
    if covered < len(data):
        hex_lines(covered, data[covered:], "(not decoded)")
    lines.append(f"{'':>6}  {'':<23}  end of file, {len(data)} bytes")
    return "\n".join(lines), error


# ----------------------------------------------------------------------------------------------
# Example model (FORMAT.md §12) and command line
# ----------------------------------------------------------------------------------------------

def tiny_model() -> Model:
    """The worked example of FORMAT.md §12: dense 2->2 without bias, softmax, probabilities."""
    return Model(input_shape=(2,), output_kind="probabilities",
                 layers=[{"kind": "dense", "inputs": 2, "outputs": 2, "has_bias": False},
                         {"kind": "softmax"}],
                 tensors={"layers.0.weight": np.array([[1, -1], [0.5, 2]], dtype=np.float32)})


def _summary(model: Model) -> str:
    params = sum(v.size for v in model.tensors.values())
    return (f"{len(model.layers)} layers, {params} parameters, input "
            f"{_shape_text(model.input_shape)} -> {model.output_width} {model.output_kind}")


def cmd_verify(args) -> int:
    model = read_model(args.file)
    if model.self_test is None:
        print(f"{args.file}: ok ({_summary(model)}; no self-test)")
        return 0
    passed, worst, tolerance = run_self_test(model)
    rows = len(model.self_test["inputs"])
    if not passed:
        print(f"{args.file}: self-test failed: largest output difference {worst:.3g} exceeds "
              f"the tolerance {_f32_text(tolerance)} ({rows} rows)", file=sys.stderr)
        return 1
    print(f"{args.file}: ok ({_summary(model)}; self-test {rows} rows, largest difference "
          f"{worst:.2g} <= {_f32_text(tolerance)})")
    return 0


def cmd_inspect(args) -> int:
    print(inspect_text(args.file))
    return 0


def cmd_predict(args) -> int:
    model = read_model(args.file)
    header, rows = read_csv(args.csv)
    if rows.shape[0] and rows.shape[1] != model.input_size:
        raise NNZError("inconsistent", f"{rows.shape[1]} values per row, the model takes "
                       f"{model.input_size}", path=args.csv)
    outputs = forward(model, rows) if rows.shape[0] else np.zeros((0, model.output_width))
    sys.stdout.write(format_csv(output_header(model), outputs))
    return 0


def cmd_dump(args) -> int:
    try:
        with open(args.file, "rb") as f:
            data = f.read(MAX_FILE_LENGTH + 1)
    except FileNotFoundError:
        raise NNZError("fileNotFound", "no such file", path=args.file) from None
    except OSError as e:
        raise NNZError("ioError", f"cannot read: {e.strerror or e}", path=args.file) from None
    text, error = dump_text(data, args.max_field_bytes)
    print(text)
    if error is not None:
        error.path = args.file
        print(str(error), file=sys.stderr)
        return 1
    return 0


def cmd_write_example(args) -> int:
    write_model(tiny_model(), args.out)
    print(f"{args.out}: wrote the FORMAT.md §12 example")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="nnz.py", description="Read, check and run .nnz model "
                                     "files (format 1.1, docs/FORMAT.md).")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("verify", help="validate a file and run its self-test")
    p.add_argument("file")
    p.set_defaults(run=cmd_verify)
    p = sub.add_parser("inspect", help="print a summary of a model file")
    p.add_argument("file")
    p.set_defaults(run=cmd_inspect)
    p = sub.add_parser("predict", help="run raw inputs from a CSV through the model")
    p.add_argument("file")
    p.add_argument("csv")
    p.set_defaults(run=cmd_predict)
    p = sub.add_parser("dump", help="annotated hex dump (long fields elided)")
    p.add_argument("file")
    p.add_argument("--max-field-bytes", type=int, default=32)
    p.set_defaults(run=cmd_dump)
    p = sub.add_parser("write-example", help="write the FORMAT.md §12 example model")
    p.add_argument("out")
    p.set_defaults(run=cmd_write_example)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except NNZError as e:
        print(str(e), file=sys.stderr)
    except MemoryError:
        print(f"{getattr(args, 'file', 'nnz.py')}: out of memory", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1
    except Exception as e:       # never a traceback: one line, exit 1
        print(f"{getattr(args, 'file', 'nnz.py')}: internal error: {type(e).__name__}: {e}",
              file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
