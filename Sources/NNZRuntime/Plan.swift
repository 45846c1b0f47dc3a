import NNZFormat
import NNZKernels

/// One step of the compiled inference plan. Built once at load; immutable afterwards.
enum Step: @unchecked Sendable {
    /// `x' = (x - offset) * inverseScale`, per input value (count 1 broadcasts).
    case normalize(offset: [Float], divisor: [Float], width: Int)
    /// `y = act(x · W + b)` with `W` packed for the GEMM kernel.
    case dense(packed: UnsafeMutablePointer<Float>, bias: [Float]?, inputs: Int, outputs: Int, activation: nnz_activation)
    /// Convolution with bias and activation fused; shapes are per sample.
    case conv(weight: [Float], bias: [Float]?, geometry: ConvGeometry, activation: nnz_activation)
    case maxPool(PoolGeometry)
    /// `y[c, s] = x[c, s] · scale[c] + shift[c]`: unfolded batch-norm or scale-at-inference dropout.
    case scaleShift(scale: [Float], shift: [Float], channels: Int, spatial: Int)
    case activation(nnz_activation, width: Int)
    case softmax(width: Int)
}

struct ConvGeometry: Sendable {
    var inChannels, height, width, outChannels, kernelHeight, kernelWidth: Int
    var strideHeight, strideWidth, padHeight, padWidth, outHeight, outWidth: Int
    var workspace: Int {
        nnz_conv2d_workspace_size(Int32(inChannels), Int32(kernelHeight), Int32(kernelWidth), Int32(outHeight), Int32(outWidth))
    }
}

struct PoolGeometry: Sendable {
    var channels, height, width, kernelHeight, kernelWidth: Int
    var strideHeight, strideWidth, padHeight, padWidth, outHeight, outWidth: Int
}

/// The compiled steps plus the buffer sizes they need, per sample.
final class Plan: @unchecked Sendable {
    let steps: [Step]
    /// Largest activation (values per sample) any step reads or writes.
    let maxWidth: Int
    /// Largest convolution workspace (values, for one sample at a time).
    let convWorkspace: Int
    let inputWidth: Int
    let outputWidth: Int

    init(steps: [Step], maxWidth: Int, convWorkspace: Int, inputWidth: Int, outputWidth: Int) {
        self.steps = steps
        self.maxWidth = maxWidth
        self.convWorkspace = convWorkspace
        self.inputWidth = inputWidth
        self.outputWidth = outputWidth
    }

    deinit {
        for step in steps {
            if case .dense(let packed, _, _, _, _) = step { deallocateAligned(packed) }
        }
    }

    /// Runs `rows` samples from `input` into `output` using `scratch` (two ping-pong buffers of
    /// `rows * maxWidth` values plus the convolution workspace).
    func run(input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>, scratch: Scratch) {
        var source = input
        var width = inputWidth
        var current = 0
        let buffers = [scratch.a, scratch.b]
        for (index, step) in steps.enumerated() {
            // The last step writes straight into the caller's output.
            let target = index == steps.count - 1 ? output : buffers[current]
            switch step {
            case .normalize(let offset, let divisor, let w):
                offset.withUnsafeBufferPointer { o in
                    divisor.withUnsafeBufferPointer { d in
                        let broadcast = o.count == 1
                        for r in 0..<rows {
                            let x = source + r * w, y = target + r * w
                            if broadcast {
                                let a = o[0], b = d[0]
                                for i in 0..<w { y[i] = (x[i] - a) / b }
                            } else {
                                for i in 0..<w { y[i] = (x[i] - o[i]) / d[i] }
                            }
                        }
                    }
                }
                width = w
            case .dense(let packed, let bias, let inputs, let outputs, let act):
                if let bias {
                    bias.withUnsafeBufferPointer {
                        nnz_gemm_packed(Int32(rows), Int32(outputs), Int32(inputs), source, Int32(inputs), packed, $0.baseAddress, act, target, Int32(outputs))
                    }
                } else {
                    nnz_gemm_packed(Int32(rows), Int32(outputs), Int32(inputs), source, Int32(inputs), packed, nil, act, target, Int32(outputs))
                }
                width = outputs
            case .conv(let weight, let bias, let g, let act):
                weight.withUnsafeBufferPointer { w in
                    withOptionalPointer(bias) { b in
                        nnz_conv2d_forward(Int32(rows), source, Int32(g.inChannels), Int32(g.height), Int32(g.width),
                                           w.baseAddress, b, Int32(g.outChannels), Int32(g.kernelHeight), Int32(g.kernelWidth),
                                           Int32(g.strideHeight), Int32(g.strideWidth), Int32(g.padHeight), Int32(g.padWidth),
                                           act, target, scratch.workspace)
                    }
                }
                width = g.outChannels * g.outHeight * g.outWidth
            case .maxPool(let g):
                nnz_maxpool_forward(Int32(rows), Int32(g.channels), Int32(g.height), Int32(g.width), source,
                                    Int32(g.kernelHeight), Int32(g.kernelWidth), Int32(g.strideHeight), Int32(g.strideWidth),
                                    Int32(g.padHeight), Int32(g.padWidth), Int32(g.outHeight), Int32(g.outWidth), target, nil)
                width = g.channels * g.outHeight * g.outWidth
            case .scaleShift(let scale, let shift, let channels, let spatial):
                scale.withUnsafeBufferPointer { s in
                    shift.withUnsafeBufferPointer { t in
                        nnz_scale_shift_channels(source, target, Int32(rows), Int32(channels), Int32(spatial), s.baseAddress, t.baseAddress)
                    }
                }
            case .activation(let act, let w):
                let n = rows * w
                switch act {
                case NNZ_ACT_RELU: nnz_relu(source, target, n)
                case NNZ_ACT_SIGMOID: nnz_sigmoid(source, target, n)
                case NNZ_ACT_TANH: nnz_tanh(source, target, n)
                default: if UnsafePointer(target) != source { target.update(from: source, count: n) }
                }
            case .softmax(let w):
                nnz_softmax_rows(source, target, Int32(rows), Int32(w))
            }
            source = UnsafePointer(target)
            current ^= 1
        }
        if steps.isEmpty { output.update(from: input, count: rows * width) }
    }
}

/// Per-call working memory for ``Plan/run(input:rows:output:scratch:)``.
final class Scratch {
    let a: UnsafeMutablePointer<Float>
    let b: UnsafeMutablePointer<Float>
    let workspace: UnsafeMutablePointer<Float>
    let rows: Int

    init(plan: Plan, rows: Int) {
        self.rows = rows
        let size = rows * plan.maxWidth
        a = allocateAligned(floats: size)
        b = allocateAligned(floats: size)
        workspace = allocateAligned(floats: plan.convWorkspace)
    }

    deinit {
        deallocateAligned(a)
        deallocateAligned(b)
        deallocateAligned(workspace)
    }
}

@inline(__always)
func withOptionalPointer<R>(_ array: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    if let array { return array.withUnsafeBufferPointer { body($0.baseAddress) } }
    return body(nil)
}

/// Float storage aligned to 64 bytes, so that 512-bit loads never straddle two cache lines.
func allocateAligned(floats count: Int) -> UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<Float>.stride, alignment: 64)
        .bindMemory(to: Float.self, capacity: max(1, count))
}

func deallocateAligned(_ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).deallocate()
}
