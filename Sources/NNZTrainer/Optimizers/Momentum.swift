/// Classical momentum: `v = μ·v − lr·g; w += v` (sklearn's and the numpy anchor's rule).
enum MomentumRule {
    static func update(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ n: Int,
                       velocity v: UnsafeMutablePointer<Float>, momentum: Float, learningRate: Float) {
        let mu = SIMD8<Float>(repeating: momentum), rate = SIMD8<Float>(repeating: learningRate)
        Vector.forEach(n, { i in
            let velocity = mu * Vector.load(v + i) - rate * Vector.load(g + i)
            Vector.store(velocity, v + i)
            Vector.store(Vector.load(w + i) + velocity, w + i)
        }, tail: { i in
            v[i] = momentum * v[i] - learningRate * g[i]
            w[i] += v[i]
        })
    }
}
