import NNZFormat
import NNZKernels

/// `y[c, s] = x[c, s] · scale[c] + shift[c]`: a batch-norm that could not be folded into the
/// layer before it, or a dropout layer with the scale-at-inference convention.
final class ScaleShiftStep: PlanStep {
    let scale: [Float]
    let shift: [Float]
    let channels: Int
    let spatial: Int
    var outputWidth: Int { channels * spatial }
    var flopsPerRow: Int { 2 * outputWidth }

    /// Batch-norm at inference on an input of `shape` (per channel over `[C, H, W]`, per
    /// feature over `[F]`).
    init(batchNorm bn: BatchNormLayer, at index: Int, file: ModelFile, shape: [Int]) {
        (scale, shift) = Compiler.batchNormScaleShift(bn, layerIndex: index, file: file)
        channels = bn.channels
        spatial = bn.axis == .channels ? shape[1] * shape[2] : 1
    }

    /// Dropout that scales by `1 − ratio` at inference; nil when it is the identity (inverted
    /// dropout, or ratio 0).
    init?(dropout d: DropoutLayer, width: Int) {
        guard d.convention == .scaleAtInference, d.ratio != 0 else { return nil }
        scale = [1 - d.ratio]
        shift = [0]
        channels = 1
        spatial = width
    }

    func run(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>, scratch: Scratch) {
        scale.withUnsafeBufferPointer { s in
            shift.withUnsafeBufferPointer { t in
                nnz_scale_shift_channels(input, output, Int32(rows), Int32(channels), Int32(spatial), s.baseAddress, t.baseAddress)
            }
        }
    }
}
