/// AdaGrad: `h += g²; w −= lr · g / (sqrt(h) + ε)`.
enum AdaGradRule {
    static func update(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ n: Int,
                       accumulator h: UnsafeMutablePointer<Float>, epsilon: Float, learningRate: Float) {
        let rate = SIMD8<Float>(repeating: learningRate), eps = SIMD8<Float>(repeating: epsilon)
        Vector.forEach(n, { i in
            let gradient = Vector.load(g + i)
            let sum = Vector.load(h + i) + gradient * gradient
            Vector.store(sum, h + i)
            Vector.store(Vector.load(w + i) - rate * gradient / (Vector.squareRoot(sum) + eps), w + i)
        }, tail: { i in
            h[i] += g[i] * g[i]
            w[i] -= learningRate * g[i] / (Vector.squareRoot(h[i]) + epsilon)
        })
    }
}
