/// RMSProp: `h = ρ·h + (1 − ρ)·g²; w −= lr · g / (sqrt(h) + ε)`.
enum RMSPropRule {
    static func update(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ n: Int,
                       average h: UnsafeMutablePointer<Float>, decay: Float, epsilon: Float, learningRate: Float) {
        let rho = SIMD8<Float>(repeating: decay), rest = SIMD8<Float>(repeating: 1 - decay)
        let rate = SIMD8<Float>(repeating: learningRate), eps = SIMD8<Float>(repeating: epsilon)
        Vector.forEach(n, { i in
            let gradient = Vector.load(g + i)
            let average = rho * Vector.load(h + i) + rest * gradient * gradient
            Vector.store(average, h + i)
            Vector.store(Vector.load(w + i) - rate * gradient / (Vector.squareRoot(average) + eps), w + i)
        }, tail: { i in
            h[i] = decay * h[i] + (1 - decay) * g[i] * g[i]
            w[i] -= learningRate * g[i] / (Vector.squareRoot(h[i]) + epsilon)
        })
    }
}
