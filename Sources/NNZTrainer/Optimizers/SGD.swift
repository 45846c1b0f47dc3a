/// Plain gradient descent: `w −= lr · g`.
enum SGDRule {
    static func update(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ n: Int, learningRate: Float) {
        let rate = SIMD8<Float>(repeating: learningRate)
        Vector.forEach(n, { i in
            Vector.store(Vector.load(w + i) - rate * Vector.load(g + i), w + i)
        }, tail: { i in
            w[i] -= learningRate * g[i]
        })
    }
}
