/// AdaGrad: `h += g²; w −= lr · g / (sqrt(h) + ε)`.
enum AdaGradRule {
    static func update(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ n: Int,
                       accumulator h: UnsafeMutablePointer<Float>, epsilon: Float, learningRate: Float) {
        for i in 0..<n {
            h[i] += g[i] * g[i]
            w[i] -= learningRate * g[i] / (h[i].squareRoot() + epsilon)
        }
    }
}
