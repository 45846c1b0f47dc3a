/// Classical momentum: `v = μ·v − lr·g; w += v` (sklearn's and the numpy anchor's rule).
enum MomentumRule {
    static func update(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ n: Int,
                       velocity v: UnsafeMutablePointer<Float>, momentum: Float, learningRate: Float) {
        for i in 0..<n {
            v[i] = momentum * v[i] - learningRate * g[i]
            w[i] += v[i]
        }
    }
}
