import NNZFormat

/// One layer of an architecture, before it has weights.
///
/// The text syntax (`--layers`) is a comma-separated list; within an item, `:` separates
/// arguments:
///
/// | item | layer |
/// |---|---|
/// | `128`, `dense:128`, `128:nobias` | dense with 128 outputs (with / without bias) |
/// | `relu`, `sigmoid`, `tanh`, `softmax`, `flatten` | the activation or reshape |
/// | `dropout:0.5`, `dropout:0.5:inverted`, `dropout:0.5:scale` | dropout; convention inverted (default) or scale-at-inference |
/// | `batchnorm`, `bn`, `batchnorm:momentum=0.9:eps=1e-5` | batch normalization (axis from the input shape) |
/// | `conv:16:3`, `conv:16:3x5:stride=2:pad=1`, `conv:8:3:pad=same:nobias` | conv2d, 16 filters, 3×3 kernel |
/// | `maxpool:2`, `maxpool:3:stride=2:pad=1` | max pooling (stride defaults to the kernel size) |
/// | `avgpool:2`, `avgpool:3:stride=2:pad=1`, `avgpool:3:stride=2:pad=1:include-pad` | average pooling; the divisor is the window's real positions, or kernel_h·kernel_w with `include-pad` |
/// | `globalavgpool`, `gap` | `[C, H, W]` → `[C, 1, 1]`, each channel's mean |
/// | `leakyrelu`, `leakyrelu:0.1` | leaky ReLU, slope alpha (default 0.01, ≥ 0) for negative inputs |
///
/// ```swift
/// let specs = try LayerSpec.parseList("conv:16:3:pad=1,batchnorm,relu,maxpool:2,flatten,64,relu,10,softmax")
/// ```
public enum LayerSpec: Equatable, Sendable {
    case dense(units: Int, bias: Bool)
    case conv2d(Convolution)
    case maxPool(Pooling)
    /// Average pooling, the file format's own description.
    case avgPool(AveragePooling)
    /// `[C, H, W]` → `[C, 1, 1]`.
    case globalAvgPool
    case flatten
    case relu
    case sigmoid
    case tanh
    case softmax
    /// Leaky ReLU with slope `alpha` (≥ 0) for negative inputs.
    case leakyRelu(alpha: Float)
    /// `convention` nil means the network's default convention.
    case dropout(rate: Float, convention: DropoutConvention?)
    case batchNorm(momentum: Float, epsilon: Float)

    /// Convolution hyper-parameters; `samePadding` pads so stride-1 output keeps the input size.
    public struct Convolution: Equatable, Sendable {
        /// Output channels.
        public var filters: Int
        /// Window height.
        public var kernelHeight: Int
        /// Window width.
        public var kernelWidth: Int
        /// Vertical step between windows.
        public var strideHeight: Int = 1
        /// Horizontal step between windows.
        public var strideWidth: Int = 1
        /// Zero rows added above and below.
        public var padHeight: Int = 0
        /// Zero columns added left and right.
        public var padWidth: Int = 0
        /// Whether the layer has a bias.
        public var bias: Bool = true
        public init(filters: Int, kernelHeight: Int, kernelWidth: Int, strideHeight: Int = 1, strideWidth: Int = 1,
                    padHeight: Int = 0, padWidth: Int = 0, bias: Bool = true) {
            self.filters = filters
            self.kernelHeight = kernelHeight
            self.kernelWidth = kernelWidth
            self.strideHeight = strideHeight
            self.strideWidth = strideWidth
            self.padHeight = padHeight
            self.padWidth = padWidth
            self.bias = bias
        }

        /// The file format's description of this convolution over `inChannels` channels.
        public func layer(inChannels: Int) -> Conv2DLayer {
            Conv2DLayer(inChannels: inChannels, outChannels: filters, kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                        strideHeight: strideHeight, strideWidth: strideWidth, padHeight: padHeight, padWidth: padWidth,
                        hasBias: bias)
        }
    }

    /// Max-pooling hyper-parameters: the file format's own description, so the trainer and
    /// the file cannot disagree on them.
    public typealias Pooling = MaxPoolLayer

    /// Average-pooling hyper-parameters: the file format's own description (window, stride,
    /// padding, whether padded positions count in the divisor).
    public typealias AveragePooling = AvgPoolLayer

    /// Default batch-norm settings: momentum 0.9, epsilon 1e-5.
    public static let batchNorm = LayerSpec.batchNorm(momentum: 0.9, epsilon: 1e-5)

    /// The slope `leakyrelu` takes when none is given (PyTorch's and Keras's default).
    public static let defaultLeakyReLUAlpha: Float = 0.01

    /// `SIZE`, `HxW`: a window size or stride as the syntax writes it.
    private static func pairText(_ height: Int, _ width: Int) -> String {
        height == width ? "\(height)" : "\(height)x\(width)"
    }

    /// Short text for this layer in the `--layers` syntax.
    public var text: String {
        switch self {
        case .dense(let units, let bias): return bias ? "\(units)" : "\(units):nobias"
        case .conv2d(let c):
            var s = "conv:\(c.filters):\(c.kernelHeight == c.kernelWidth ? "\(c.kernelHeight)" : "\(c.kernelHeight)x\(c.kernelWidth)")"
            if c.strideHeight != 1 || c.strideWidth != 1 { s += ":stride=\(c.strideHeight == c.strideWidth ? "\(c.strideHeight)" : "\(c.strideHeight)x\(c.strideWidth)")" }
            if c.padHeight != 0 || c.padWidth != 0 { s += ":pad=\(c.padHeight == c.padWidth ? "\(c.padHeight)" : "\(c.padHeight)x\(c.padWidth)")" }
            if !c.bias { s += ":nobias" }
            return s
        case .maxPool(let p):
            var s = "maxpool:\(p.kernelHeight == p.kernelWidth ? "\(p.kernelHeight)" : "\(p.kernelHeight)x\(p.kernelWidth)")"
            if p.strideHeight != p.kernelHeight || p.strideWidth != p.kernelWidth { s += ":stride=\(p.strideHeight == p.strideWidth ? "\(p.strideHeight)" : "\(p.strideHeight)x\(p.strideWidth)")" }
            if p.padHeight != 0 || p.padWidth != 0 { s += ":pad=\(p.padHeight == p.padWidth ? "\(p.padHeight)" : "\(p.padHeight)x\(p.padWidth)")" }
            return s
        case .avgPool(let p):
            var s = "avgpool:" + Self.pairText(p.kernelHeight, p.kernelWidth)
            if p.strideHeight != p.kernelHeight || p.strideWidth != p.kernelWidth { s += ":stride=" + Self.pairText(p.strideHeight, p.strideWidth) }
            if p.padHeight != 0 || p.padWidth != 0 { s += ":pad=" + Self.pairText(p.padHeight, p.padWidth) }
            if p.countIncludePad { s += ":include-pad" }
            return s
        case .globalAvgPool: return "globalavgpool"
        case .leakyRelu(let alpha): return alpha == Self.defaultLeakyReLUAlpha ? "leakyrelu" : "leakyrelu:\(alpha)"
        case .flatten: return "flatten"
        case .relu: return "relu"
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        case .softmax: return "softmax"
        case .dropout(let rate, let convention):
            switch convention {
            case nil: return "dropout:\(rate)"
            case .inverted?: return "dropout:\(rate):inverted"
            case .scaleAtInference?: return "dropout:\(rate):scale"
            }
        case .batchNorm(let momentum, let epsilon):
            return momentum == 0.9 && epsilon == 1e-5 ? "batchnorm" : "batchnorm:momentum=\(momentum):eps=\(epsilon)"
        }
    }

    /// Parses a whole `--layers` list. Errors name the 1-based character column of the item.
    public static func parseList(_ text: String) throws(LayerSyntaxError) -> [LayerSpec] {
        var specs: [LayerSpec] = []
        var column = 1
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = item.trimmingSpaces
            let leading = item.prefix { $0 == " " }.count
            guard !trimmed.isEmpty else {
                throw LayerSyntaxError(column: column, item: "", message: "expected a layer, found an empty item (two commas in a row?)")
            }
            specs.append(try parse(trimmed, column: column + leading))
            column += item.count + 1
        }
        return specs
    }

    /// Parses one item such as `dropout:0.5` or `conv:16:3:pad=1`.
    public static func parse(_ item: String, column: Int = 1) throws(LayerSyntaxError) -> LayerSpec {
        let parts = item.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let head = parts[0].lowercased()
        let arguments = Array(parts.dropFirst())
        func fail(_ message: String) -> LayerSyntaxError {
            LayerSyntaxError(column: column, item: item, message: message)
        }
        func noArguments(_ spec: LayerSpec) throws(LayerSyntaxError) -> LayerSpec {
            guard arguments.isEmpty else { throw fail("'\(head)' takes no arguments") }
            return spec
        }
        func positiveInt(_ text: String, _ what: String) throws(LayerSyntaxError) -> Int {
            guard let value = Int(text), value > 0 else { throw fail("expected \(what) (a positive integer), found \"\(text)\"") }
            return value
        }
        func pair(_ text: String, _ what: String, allowZero: Bool = false) throws(LayerSyntaxError) -> (Int, Int) {
            let pieces = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
            guard pieces.count == 1 || pieces.count == 2 else { throw fail("expected \(what) as N or HxW, found \"\(text)\"") }
            var values: [Int] = []
            for piece in pieces {
                guard let v = Int(piece), allowZero ? v >= 0 : v > 0 else {
                    throw fail("expected \(what) as \(allowZero ? "a non-negative" : "a positive") integer N or HxW, found \"\(text)\"")
                }
                values.append(v)
            }
            return (values[0], values.count == 2 ? values[1] : values[0])
        }
        func keyValues(_ items: ArraySlice<String>, allowed: [String], flags: [String] = []) throws(LayerSyntaxError) -> [String: String] {
            var result: [String: String] = [:]
            for entry in items {
                if flags.contains(entry.lowercased()) { result[entry.lowercased()] = ""; continue }
                let kv = entry.split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2, allowed.contains(kv[0].lowercased()) else {
                    let options = (allowed.map { "\($0)=…" } + flags).joined(separator: ", ")
                    throw fail("unknown option \"\(entry)\" for '\(head)'; expected one of: \(options)")
                }
                result[kv[0].lowercased()] = kv[1]
            }
            return result
        }

        if let units = Int(head) {
            guard units > 0 else { throw fail("a dense layer needs a positive width, found \(units)") }
            return .dense(units: units, bias: try denseBias(arguments, fail))
        }
        switch head {
        case "dense", "linear", "affine":
            guard let first = arguments.first else { throw fail("expected dense:WIDTH") }
            return .dense(units: try positiveInt(first, "the dense width"), bias: try denseBias(Array(arguments.dropFirst()), fail))
        case "relu": return try noArguments(.relu)
        case "sigmoid": return try noArguments(.sigmoid)
        case "tanh": return try noArguments(.tanh)
        case "softmax": return try noArguments(.softmax)
        case "flatten": return try noArguments(.flatten)
        case "globalavgpool", "gap", "globalaveragepool": return try noArguments(.globalAvgPool)
        case "leakyrelu", "leaky_relu":
            guard arguments.count <= 1 else { throw fail("expected leakyrelu[:ALPHA]") }
            guard let first = arguments.first else { return .leakyRelu(alpha: defaultLeakyReLUAlpha) }
            guard let alpha = Float(first), alpha.isFinite, alpha >= 0 else {
                throw fail("expected the leaky ReLU slope as a number ≥ 0, found \"\(first)\"")
            }
            return .leakyRelu(alpha: alpha)
        case "dropout":
            guard arguments.count <= 2 else { throw fail("expected dropout:RATE[:inverted|:scale]") }
            var rate: Float = 0.5
            if let first = arguments.first {
                guard let r = Float(first), r >= 0, r < 1 else { throw fail("expected a dropout rate in [0, 1), found \"\(first)\"") }
                rate = r
            }
            var convention: DropoutConvention?
            if arguments.count == 2 {
                switch arguments[1].lowercased() {
                case "inverted": convention = .inverted
                case "scale", "scale-at-inference", "classic": convention = .scaleAtInference
                default: throw fail("expected the dropout convention 'inverted' or 'scale', found \"\(arguments[1])\"")
                }
            }
            return .dropout(rate: rate, convention: convention)
        case "batchnorm", "bn", "batchnormalization":
            let options = try keyValues(arguments[...], allowed: ["momentum", "eps", "epsilon"])
            var momentum: Float = 0.9, epsilon: Float = 1e-5
            if let m = options["momentum"] {
                guard let v = Float(m), v >= 0, v < 1 else { throw fail("expected momentum in [0, 1), found \"\(m)\"") }
                momentum = v
            }
            if let e = options["eps"] ?? options["epsilon"] {
                guard let v = Float(e), v > 0, v.isFinite else { throw fail("expected a positive epsilon, found \"\(e)\"") }
                epsilon = v
            }
            return .batchNorm(momentum: momentum, epsilon: epsilon)
        case "conv", "conv2d", "convolution":
            guard arguments.count >= 2 else { throw fail("expected conv:FILTERS:KERNEL[:stride=S][:pad=P][:nobias]") }
            let filters = try positiveInt(arguments[0], "the number of filters")
            let (kh, kw) = try pair(arguments[1], "the kernel size")
            let options = try keyValues(arguments[2...], allowed: ["stride", "pad", "padding"], flags: ["nobias"])
            var conv = Convolution(filters: filters, kernelHeight: kh, kernelWidth: kw)
            if let s = options["stride"] { (conv.strideHeight, conv.strideWidth) = try pair(s, "the stride") }
            if let p = options["pad"] ?? options["padding"] {
                if p.lowercased() == "same" {
                    guard kh % 2 == 1, kw % 2 == 1 else { throw fail("pad=same needs an odd kernel size") }
                    (conv.padHeight, conv.padWidth) = (kh / 2, kw / 2)
                } else {
                    (conv.padHeight, conv.padWidth) = try pair(p, "the padding", allowZero: true)
                }
            }
            conv.bias = options["nobias"] == nil
            return .conv2d(conv)
        case "maxpool", "pool", "maxpool2d":
            guard arguments.count >= 1 else { throw fail("expected maxpool:SIZE[:stride=S][:pad=P]") }
            let (kh, kw) = try pair(arguments[0], "the pool size")
            let options = try keyValues(arguments[1...], allowed: ["stride", "pad", "padding"])
            var pool = Pooling(kernelHeight: kh, kernelWidth: kw, strideHeight: kh, strideWidth: kw)
            if let s = options["stride"] { (pool.strideHeight, pool.strideWidth) = try pair(s, "the stride") }
            if let p = options["pad"] ?? options["padding"] { (pool.padHeight, pool.padWidth) = try pair(p, "the padding", allowZero: true) }
            guard pool.padHeight < kh, pool.padWidth < kw else { throw fail("max-pool padding must be smaller than the pool size") }
            return .maxPool(pool)
        case "avgpool", "avgpool2d", "averagepool":
            guard arguments.count >= 1 else { throw fail("expected avgpool:SIZE[:stride=S][:pad=P][:include-pad]") }
            let (kh, kw) = try pair(arguments[0], "the pool size")
            let options = try keyValues(arguments[1...], allowed: ["stride", "pad", "padding"], flags: ["include-pad"])
            var pool = AvgPoolLayer(kernelHeight: kh, kernelWidth: kw, strideHeight: kh, strideWidth: kw)
            if let s = options["stride"] { (pool.strideHeight, pool.strideWidth) = try pair(s, "the stride") }
            if let p = options["pad"] ?? options["padding"] { (pool.padHeight, pool.padWidth) = try pair(p, "the padding", allowZero: true) }
            guard pool.padHeight < kh, pool.padWidth < kw else { throw fail("average-pool padding must be smaller than the pool size") }
            pool.countIncludePad = options["include-pad"] != nil
            return .avgPool(pool)
        default:
            throw fail("unknown layer \"\(parts[0])\"; expected a width (e.g. 128), relu, leakyrelu, sigmoid, tanh, softmax, flatten, dropout:RATE, batchnorm, conv:FILTERS:KERNEL, maxpool:SIZE, avgpool:SIZE or globalavgpool")
        }
    }

    private static func denseBias(_ arguments: [String], _ fail: (String) -> LayerSyntaxError) throws(LayerSyntaxError) -> Bool {
        if arguments.isEmpty { return true }
        guard arguments.count == 1, arguments[0].lowercased() == "nobias" else {
            throw fail("a dense layer takes only the option 'nobias'")
        }
        return false
    }
}

/// A `--layers` item that does not parse.
public struct LayerSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 1-based character column of the item in the list.
    public var column: Int
    /// The offending item as written.
    public var item: String
    /// What was wrong and what was expected.
    public var message: String
    public var description: String { "column \(column) (\"\(item)\"): \(message)" }
}

extension Substring {
    var trimmingSpaces: String {
        var s = self[...]
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
extension String {
    var trimmingSpaces: String { self[...].trimmingSpaces }
}
