/// RMSProp: `h = ρ·h + (1 − ρ)·g²; w −= lr · g / (sqrt(h) + ε)`.
enum RMSPropRule {
    static func update(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ n: Int,
                       average h: UnsafeMutablePointer<Float>, decay: Float, epsilon: Float, learningRate: Float) {
        for i in 0..<n {
            h[i] = decay * h[i] + (1 - decay) * g[i] * g[i]
            w[i] -= learningRate * g[i] / (h[i].squareRoot() + epsilon)
        }
    }
}
