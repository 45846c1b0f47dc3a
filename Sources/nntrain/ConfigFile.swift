import NNZCommandLine
import NNZTrainer
import NNZFormat

/// Training settings from `--config model.json`; every key is optional and the command-line
/// flags override it.
///
/// ```json
/// {
///   "target": "label",
///   "input_shape": [1, 8, 8],
///   "layers": ["conv:16:3:pad=1", "batchnorm", "relu", "maxpool:2",
///              {"type": "dense", "units": 64}, "relu", {"type": "dropout", "rate": 0.5}, 10, "softmax"],
///   "optimizer": "adam", "lr": 0.001, "epochs": 30, "batch_size": 32, "seed": 0, "validation": 0.1
/// }
/// ```
/// `layers` may also be one string in the `--layers` syntax. Layer objects take `type`
/// (`dense`, `conv2d`, `maxpool`, `avgpool`, `globalavgpool`, `dropout`, `batchnorm`, `flatten`,
/// `relu`, `leakyrelu`, `sigmoid`, `tanh`, `softmax`) and: dense `units`, `bias`; conv2d
/// `filters`, `kernel` (N or [H, W]), `stride`, `padding` (N, [H, W] or "same"), `bias`;
/// maxpool `size`, `stride`, `padding`; avgpool the same and `include_pad` (false by default);
/// leakyrelu `alpha` (0.01 by default); dropout `rate`, `convention` ("inverted" or "scale");
/// batchnorm `momentum`, `epsilon`.
struct ConfigFile {
    var target: String?
    var layers: [LayerSpec]?
    var inputShape: [Int]?
    var optimizer: String?
    var learningRate: Float?
    var momentum: Float?
    var weightDecay: Float?
    var lrDecay: String?
    var epochs: Int?
    var batchSize: Int?
    var shuffle: Bool?
    var seed: UInt64?
    var validation: Double?
    var earlyStopping: Int?
    var loss: String?
    var reduction: String?
    var initialization: String?
    var normalize: String?
    var dropoutConvention: String?
    var task: String?
    var name: String?
    var weights: String?

    static let knownKeys = ["target", "layers", "input_shape", "optimizer", "lr", "learning_rate", "momentum", "weight_decay",
                            "lr_decay", "epochs", "batch_size", "shuffle", "seed", "validation", "early_stopping", "loss",
                            "reduction", "init", "normalize", "dropout_convention", "task", "name", "weights"]

    /// Reads and checks `path`.
    static func load(_ path: String) throws(Failure) -> ConfigFile {
        let bytes: [UInt8]
        do { bytes = try FileIO.read(path) } catch { throw Failure(error.description, code: error.exitCode) }
        let root: JSONValue
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            throw Failure("\(path):\(error.line):\(error.column): \(error.message)", code: Exit.dataError)
        }
        func fail(_ value: JSONValue, _ message: String) -> Failure {
            Failure("\(path):\(value.line):\(value.column): \(message)", code: Exit.dataError)
        }
        guard case .object(let members) = root.kind else { throw fail(root, "expected an object with training settings, found \(root.typeName)") }
        var config = ConfigFile()
        for (key, value) in members {
            func string() throws(Failure) -> String {
                guard case .string(let s) = value.kind else { throw fail(value, "expected a string for \"\(key)\", found \(value.typeName)") }
                return s
            }
            func number() throws(Failure) -> Double {
                guard case .number(let n, _) = value.kind else { throw fail(value, "expected a number for \"\(key)\", found \(value.typeName)") }
                return n
            }
            func integer(minimum: Int = 0) throws(Failure) -> Int {
                let n = try number()
                guard n == n.rounded(), n >= Double(minimum), n < 1e15 else { throw fail(value, "expected an integer ≥ \(minimum) for \"\(key)\", found \(n)") }
                return Int(n)
            }
            switch key {
            case "target": config.target = try string()
            case "layers": config.layers = try layers(value, fail)
            case "input_shape":
                switch value.kind {
                case .string(let s):
                    guard let shape = parseShape(s) else { throw fail(value, "expected an input shape like \"1x8x8\", found \"\(s)\"") }
                    config.inputShape = shape
                case .array(let items):
                    var shape: [Int] = []
                    for item in items {
                        guard case .number(let n, _) = item.kind, n == n.rounded(), n >= 1, n < 1e9 else { throw fail(item, "expected a positive integer dimension") }
                        shape.append(Int(n))
                    }
                    guard shape.count == 1 || shape.count == 3 else { throw fail(value, "expected [features] or [channels, height, width], found \(shape.count) dimensions") }
                    config.inputShape = shape
                default: throw fail(value, "expected an array like [1, 8, 8], found \(value.typeName)")
                }
            case "optimizer": config.optimizer = try string()
            case "lr", "learning_rate": config.learningRate = Float(try number())
            case "momentum": config.momentum = Float(try number())
            case "weight_decay": config.weightDecay = Float(try number())
            case "lr_decay": config.lrDecay = try string()
            case "epochs": config.epochs = try integer(minimum: 1)
            case "batch_size": config.batchSize = try integer()
            case "shuffle":
                guard case .bool(let b) = value.kind else { throw fail(value, "expected true or false for \"shuffle\", found \(value.typeName)") }
                config.shuffle = b
            case "seed": config.seed = UInt64(try integer())
            case "validation": config.validation = try number()
            case "early_stopping": config.earlyStopping = try integer(minimum: 1)
            case "loss": config.loss = try string()
            case "reduction": config.reduction = try string()
            case "init": config.initialization = try string()
            case "normalize": config.normalize = try string()
            case "dropout_convention": config.dropoutConvention = try string()
            case "task": config.task = try string()
            case "name": config.name = try string()
            case "weights": config.weights = try string()
            default:
                throw fail(value, "unknown setting \"\(key)\"; expected one of: \(knownKeys.joined(separator: ", "))")
            }
        }
        return config
    }

    private static func layers(_ value: JSONValue, _ fail: (JSONValue, String) -> Failure) throws(Failure) -> [LayerSpec] {
        switch value.kind {
        case .string(let text):
            do { return try LayerSpec.parseList(text) } catch {
                throw fail(value, "in \"layers\", \(error.description)")
            }
        case .array(let items):
            var specs: [LayerSpec] = []
            for item in items {
                switch item.kind {
                case .string(let text):
                    do { specs.append(try LayerSpec.parse(text.trimmingCharacters())) } catch {
                        throw fail(item, error.message)
                    }
                case .number(let n, _):
                    guard n == n.rounded(), n >= 1, n < 1e9 else { throw fail(item, "expected a positive dense width, found \(n)") }
                    specs.append(.dense(units: Int(n), bias: true))
                case .object:
                    specs.append(try layerObject(item, fail))
                default:
                    throw fail(item, "expected a layer (a string such as \"relu\", a width, or an object with \"type\"), found \(item.typeName)")
                }
            }
            guard !specs.isEmpty else { throw fail(value, "expected at least one layer") }
            return specs
        default:
            throw fail(value, "expected \"layers\" as a string or an array, found \(value.typeName)")
        }
    }

    private static func layerObject(_ item: JSONValue, _ fail: (JSONValue, String) -> Failure) throws(Failure) -> LayerSpec {
        guard let typeValue = item["type"], case .string(let type) = typeValue.kind else {
            throw fail(item, "a layer object needs \"type\" (dense, conv2d, maxpool, avgpool, globalavgpool, dropout, batchnorm, flatten, relu, leakyrelu, sigmoid, tanh, softmax)")
        }
        guard case .object(let members) = item.kind else { throw fail(item, "expected an object") }
        func allowed(_ keys: [String]) throws(Failure) {
            for (key, value) in members where key != "type" && !keys.contains(key) {
                throw fail(value, "unknown key \"\(key)\" for a \(type) layer; expected \(keys.isEmpty ? "no other keys" : keys.joined(separator: ", "))")
            }
        }
        func int(_ key: String, default fallback: Int? = nil, minimum: Int = 1) throws(Failure) -> Int {
            guard let v = item[key] else {
                if let fallback { return fallback }
                throw fail(item, "a \(type) layer needs \"\(key)\"")
            }
            guard case .number(let n, _) = v.kind, n == n.rounded(), n >= Double(minimum), n < 1e9 else {
                throw fail(v, "expected an integer ≥ \(minimum) for \"\(key)\"")
            }
            return Int(n)
        }
        func pair(_ key: String, default fallback: (Int, Int)?, minimum: Int = 1) throws(Failure) -> (Int, Int) {
            guard let v = item[key] else {
                if let fallback { return fallback }
                throw fail(item, "a \(type) layer needs \"\(key)\"")
            }
            if case .array(let items) = v.kind, items.count == 2,
               case .number(let a, _) = items[0].kind, case .number(let b, _) = items[1].kind,
               a == a.rounded(), b == b.rounded(), a >= Double(minimum), b >= Double(minimum), a < 1e9, b < 1e9 {
                return (Int(a), Int(b))
            }
            let n = try int(key, minimum: minimum)
            return (n, n)
        }
        func float(_ key: String, default fallback: Float) throws(Failure) -> Float {
            guard let v = item[key] else { return fallback }
            guard case .number(let n, _) = v.kind else { throw fail(v, "expected a number for \"\(key)\"") }
            return Float(n)
        }
        func bool(_ key: String, default fallback: Bool = true) throws(Failure) -> Bool {
            guard let v = item[key] else { return fallback }
            guard case .bool(let b) = v.kind else { throw fail(v, "expected true or false for \"\(key)\"") }
            return b
        }
        switch type.lowercased() {
        case "dense", "linear", "affine":
            try allowed(["units", "bias"])
            return .dense(units: try int("units"), bias: try bool("bias"))
        case "conv2d", "conv", "convolution":
            try allowed(["filters", "kernel", "stride", "padding", "bias"])
            let (kh, kw) = try pair("kernel", default: nil)
            var conv = LayerSpec.Convolution(filters: try int("filters"), kernelHeight: kh, kernelWidth: kw)
            (conv.strideHeight, conv.strideWidth) = try pair("stride", default: (1, 1))
            if let p = item["padding"], case .string(let s) = p.kind {
                guard s == "same", kh % 2 == 1, kw % 2 == 1 else { throw fail(p, "expected \"same\" (odd kernels only) or a number for \"padding\"") }
                (conv.padHeight, conv.padWidth) = (kh / 2, kw / 2)
            } else {
                (conv.padHeight, conv.padWidth) = try pair("padding", default: (0, 0), minimum: 0)
            }
            conv.bias = try bool("bias")
            return .conv2d(conv)
        case "maxpool", "pool", "maxpool2d":
            try allowed(["size", "stride", "padding"])
            let (kh, kw) = try pair("size", default: nil)
            let (sh, sw) = try pair("stride", default: (kh, kw))
            let (ph, pw) = try pair("padding", default: (0, 0), minimum: 0)
            guard ph < kh, pw < kw else { throw fail(item, "max-pool padding must be smaller than the pool size") }
            return .maxPool(.init(kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw, padHeight: ph, padWidth: pw))
        case "avgpool", "avgpool2d", "averagepool":
            try allowed(["size", "stride", "padding", "include_pad"])
            let (kh, kw) = try pair("size", default: nil)
            let (sh, sw) = try pair("stride", default: (kh, kw))
            let (ph, pw) = try pair("padding", default: (0, 0), minimum: 0)
            guard ph < kh, pw < kw else { throw fail(item, "average-pool padding must be smaller than the pool size") }
            return .avgPool(AvgPoolLayer(kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw, padHeight: ph,
                                         padWidth: pw, countIncludePad: try bool("include_pad", default: false)))
        case "globalavgpool", "gap", "globalaveragepool": try allowed([]); return .globalAvgPool
        case "leakyrelu", "leaky_relu":
            try allowed(["alpha"])
            let alpha = try float("alpha", default: LayerSpec.defaultLeakyReLUAlpha)
            guard alpha.isFinite, alpha >= 0 else { throw fail(item["alpha"] ?? item, "expected the leaky ReLU slope \"alpha\" as a number ≥ 0") }
            return .leakyRelu(alpha: alpha)
        case "dropout":
            try allowed(["rate", "convention"])
            let rate = try float("rate", default: 0.5)
            guard rate >= 0, rate < 1 else { throw fail(item["rate"] ?? item, "expected a dropout rate in [0, 1)") }
            var convention: DropoutConvention?
            if let c = item["convention"] {
                guard case .string(let s) = c.kind, let parsed = parseConvention(s) else { throw fail(c, "expected \"inverted\" or \"scale\"") }
                convention = parsed
            }
            return .dropout(rate: rate, convention: convention)
        case "batchnorm", "bn":
            try allowed(["momentum", "epsilon"])
            let momentum = try float("momentum", default: 0.9), epsilon = try float("epsilon", default: 1e-5)
            guard momentum >= 0, momentum < 1, epsilon > 0 else { throw fail(item, "expected momentum in [0, 1) and a positive epsilon") }
            return .batchNorm(momentum: momentum, epsilon: epsilon)
        case "flatten": try allowed([]); return .flatten
        case "relu": try allowed([]); return .relu
        case "sigmoid": try allowed([]); return .sigmoid
        case "tanh": try allowed([]); return .tanh
        case "softmax": try allowed([]); return .softmax
        default:
            throw fail(typeValue, "unknown layer type \"\(type)\"; expected dense, conv2d, maxpool, avgpool, globalavgpool, dropout, batchnorm, flatten, relu, leakyrelu, sigmoid, tanh or softmax")
        }
    }
}

/// `1x8x8` or `64` → [1, 8, 8] / [64].
func parseShape(_ text: String) -> [Int]? {
    let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
    var shape: [Int] = []
    for p in parts {
        guard let v = Int(p), v > 0 else { return nil }
        shape.append(v)
    }
    return shape.count == 1 || shape.count == 3 ? shape : nil
}

func parseConvention(_ text: String) -> DropoutConvention? {
    switch text.lowercased() {
    case "inverted": return .inverted
    case "scale", "scale-at-inference", "classic": return .scaleAtInference
    default: return nil
    }
}

extension String {
    func trimmingCharacters() -> String {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
