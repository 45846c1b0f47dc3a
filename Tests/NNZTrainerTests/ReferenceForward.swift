import NNZFormat
import Foundation

/// An independent evaluation of a ``ModelFile``, written from docs/FORMAT.md §3 and §5 alone:
/// naive loops in Double over the file's own tensors, raw inputs normalized as the runtime does.
/// The trainer's outputs are compared with this; when NNZRuntime exists, the comparison moves
/// to `NNZRuntime.Model` (bit for bit).
enum ReferenceForward {
    static func run(_ model: ModelFile, rawRow: [Float]) -> [Double] {
        var x: [Double]
        if let n = model.normalization {
            x = rawRow.enumerated().map { i, v in
                let j = n.first.count == 1 ? 0 : i
                let a = n.first[j], b = n.second[j]
                // The runtime normalizes in f32.
                return Double(n.kind == .standard ? (v - a) / b : (v - a) / (b - a))
            }
        } else {
            x = rawRow.map(Double.init)
        }
        var shape = model.inputShape
        for (index, layer) in model.layers.enumerated() {
            func tensor(_ name: String) -> [Double] { model.tensor(named: "layers.\(index).\(name)")!.values.map(Double.init) }
            switch layer {
            case .dense(let d):
                let w = tensor("weight"), b = d.hasBias ? tensor("bias") : [Double](repeating: 0, count: d.outputs)
                x = (0..<d.outputs).map { j in b[j] + (0..<d.inputs).reduce(0.0) { $0 + x[$1] * w[$1 * d.outputs + j] } }
                shape = [d.outputs]
            case .conv2d(let c):
                let (h, w) = (shape[1], shape[2])
                let oh = (h + 2 * c.padHeight - c.kernelHeight) / c.strideHeight + 1
                let ow = (w + 2 * c.padWidth - c.kernelWidth) / c.strideWidth + 1
                let kernel = tensor("weight"), bias = c.hasBias ? tensor("bias") : [Double](repeating: 0, count: c.outChannels)
                var y = [Double](repeating: 0, count: c.outChannels * oh * ow)
                for o in 0..<c.outChannels {
                    for r in 0..<oh {
                        for s in 0..<ow {
                            var sum = bias[o]
                            for i in 0..<c.inChannels {
                                for u in 0..<c.kernelHeight {
                                    for v in 0..<c.kernelWidth {
                                        let yy = r * c.strideHeight - c.padHeight + u, xx = s * c.strideWidth - c.padWidth + v
                                        guard yy >= 0, yy < h, xx >= 0, xx < w else { continue }
                                        sum += kernel[((o * c.inChannels + i) * c.kernelHeight + u) * c.kernelWidth + v] * x[(i * h + yy) * w + xx]
                                    }
                                }
                            }
                            y[(o * oh + r) * ow + s] = sum
                        }
                    }
                }
                x = y
                shape = [c.outChannels, oh, ow]
            case .maxPool(let p):
                let (ch, h, w) = (shape[0], shape[1], shape[2])
                let oh = (h + 2 * p.padHeight - p.kernelHeight) / p.strideHeight + 1
                let ow = (w + 2 * p.padWidth - p.kernelWidth) / p.strideWidth + 1
                var y = [Double](repeating: -.infinity, count: ch * oh * ow)
                for c in 0..<ch {
                    for r in 0..<oh {
                        for s in 0..<ow {
                            for u in 0..<p.kernelHeight {
                                for v in 0..<p.kernelWidth {
                                    let yy = r * p.strideHeight - p.padHeight + u, xx = s * p.strideWidth - p.padWidth + v
                                    guard yy >= 0, yy < h, xx >= 0, xx < w else { continue }
                                    y[(c * oh + r) * ow + s] = max(y[(c * oh + r) * ow + s], x[(c * h + yy) * w + xx])
                                }
                            }
                        }
                    }
                }
                x = y
                shape = [ch, oh, ow]
            case .avgPool(let p):
                let (ch, h, w) = (shape[0], shape[1], shape[2])
                let oh = (h + 2 * p.padHeight - p.kernelHeight) / p.strideHeight + 1
                let ow = (w + 2 * p.padWidth - p.kernelWidth) / p.strideWidth + 1
                var y = [Double](repeating: 0, count: ch * oh * ow)
                for c in 0..<ch {
                    for r in 0..<oh {
                        for s in 0..<ow {
                            var sum = 0.0, real = 0
                            for u in 0..<p.kernelHeight {
                                for v in 0..<p.kernelWidth {
                                    let yy = r * p.strideHeight - p.padHeight + u, xx = s * p.strideWidth - p.padWidth + v
                                    guard yy >= 0, yy < h, xx >= 0, xx < w else { continue }
                                    sum += x[(c * h + yy) * w + xx]
                                    real += 1
                                }
                            }
                            y[(c * oh + r) * ow + s] = sum / Double(p.countIncludePad ? p.kernelHeight * p.kernelWidth : real)
                        }
                    }
                }
                x = y
                shape = [ch, oh, ow]
            case .globalAvgPool:
                let (ch, per) = (shape[0], shape[1] * shape[2])
                x = (0..<ch).map { c in x[(c * per)..<((c + 1) * per)].reduce(0, +) / Double(per) }
                shape = [ch, 1, 1]
            case .flatten:
                shape = [x.count]
            case .relu: x = x.map { max(0, $0) }
            case .leakyRelu(let alpha): x = x.map { $0 >= 0 ? $0 : Double(alpha) * $0 }
            case .sigmoid: x = x.map { 1 / (1 + exp(-$0)) }
            case .tanh: x = x.map { Foundation.tanh($0) }
            case .softmax:
                let m = x.max()!
                let e = x.map { exp($0 - m) }
                let s = e.reduce(0, +)
                x = e.map { $0 / s }
            case .dropout(let d):
                if d.convention == .scaleAtInference { x = x.map { $0 * Double(1 - d.ratio) } }
            case .batchNorm(let b):
                let gamma = tensor("gamma"), beta = tensor("beta"), mean = tensor("running_mean"), variance = tensor("running_var")
                let per = shape.count == 3 ? shape[1] * shape[2] : 1
                for i in x.indices {
                    let c = i / per
                    x[i] = (x[i] - mean[c]) / (variance[c] + Double(b.epsilon)).squareRoot() * gamma[c] + beta[c]
                }
            }
        }
        return x
    }
}
