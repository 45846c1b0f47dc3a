/// The versions of every op the importer handles, from the ONNX operator changelog
/// (`onnx.defs.get_all_schemas_with_history()` of onnx 1.23.2, which knows opsets 1–28).
///
/// The importer reads the semantics of opsets ``ONNXImporter/opsets`` (9–23). A model that
/// imports a newer default-domain opset is still accepted, with a warning, when none of its ops
/// changed after opset 23 up to the model's opset; when one did, the model is refused naming
/// that op and the version it changed in. Beyond ``newestKnownOpset`` the changelog says
/// nothing, so the warning says so too.
enum OperatorVersions {
    /// The newest default-domain opset this table covers.
    static let newestKnownOpset = 28

    /// Default domain (`ai.onnx`): op → the opset versions at which it changed.
    static let defaultDomain: [String: [Int]] = [
        "Add": [1, 6, 7, 13, 14],
        "ArgMax": [1, 11, 12, 13],
        "AveragePool": [1, 7, 10, 11, 19, 22],
        "BatchNormalization": [1, 6, 7, 9, 14, 15],
        "Cast": [1, 6, 9, 13, 19, 21, 23, 24, 25, 28],
        "Concat": [1, 4, 11, 13],
        "Constant": [1, 9, 11, 12, 13, 19, 21, 23, 24, 25],
        "Conv": [1, 11, 22],
        "Div": [1, 6, 7, 13, 14],
        "Dropout": [1, 6, 7, 10, 12, 13, 22],
        "Flatten": [1, 9, 11, 13, 21, 23, 24, 25],
        "Gather": [1, 11, 13],
        "Gemm": [1, 6, 7, 9, 11, 13],
        "GlobalAveragePool": [1, 22],
        "Identity": [1, 13, 14, 16, 19, 21, 23, 24, 25],
        "LeakyRelu": [1, 6, 16],
        "MatMul": [1, 9, 13],
        "MaxPool": [1, 8, 10, 11, 12, 22],
        "Mul": [1, 6, 7, 13, 14],
        "ReduceMean": [1, 11, 13, 18],
        "Relu": [1, 6, 13, 14],
        "Reshape": [1, 5, 13, 14, 19, 21, 23, 24, 25],
        "Shape": [1, 13, 15, 19, 21, 23, 24, 25],
        "Sigmoid": [1, 6, 13],
        "Softmax": [1, 11, 13],
        "Squeeze": [1, 11, 13, 21, 23, 24, 25],
        "Sub": [1, 6, 7, 13, 14],
        "Tanh": [1, 6, 13],
        "Unsqueeze": [1, 11, 13, 21, 23, 24, 25],
    ]

    /// `ai.onnx.ml`: op → versions (each has had one version since ai.onnx.ml 1).
    static let mlDomain: [String: [Int]] = [
        "ArrayFeatureExtractor": [1],
        "Scaler": [1],
        "ZipMap": [1],
    ]

    /// The newest `ai.onnx.ml` opset the importer reads.
    static let newestMLOpset = 5

    /// The first version of `op` newer than `known` and not newer than `opset`, if any: the
    /// change that makes the importer's reading of `op` at `opset` unsafe.
    static func changeAfter(_ known: Int, upTo opset: Int, of op: String) -> Int? {
        defaultDomain[op]?.first { $0 > known && $0 <= opset }
    }
}
