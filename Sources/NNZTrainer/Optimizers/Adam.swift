/// Adam (Kingma & Ba) with bias correction (square roots by ``Vector/squareRoot(_:)-(SIMD8<Float>)``); `correction1 = 1 − β1ᵗ`, `correction2 = 1 − β2ᵗ`
/// for step `t` counted from 1.
enum AdamRule {
    static func update(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ n: Int,
                       firstMoment m: UnsafeMutablePointer<Float>, secondMoment v: UnsafeMutablePointer<Float>,
                       beta1: Float, beta2: Float, epsilon: Float, correction1: Float, correction2: Float,
                       learningRate: Float) {
        let b1 = SIMD8<Float>(repeating: beta1), r1 = SIMD8<Float>(repeating: 1 - beta1)
        let b2 = SIMD8<Float>(repeating: beta2), r2 = SIMD8<Float>(repeating: 1 - beta2)
        // w −= (lr / c1) · m / (sqrt(v · (1 / c2)) + ε): one division per element.
        let stepScale = learningRate / correction1, inverseCorrection2 = 1 / correction2
        let scale = SIMD8<Float>(repeating: stepScale), inverse2 = SIMD8<Float>(repeating: inverseCorrection2)
        let eps = SIMD8<Float>(repeating: epsilon)
        Vector.forEach(n, { i in
            let gradient = Vector.load(g + i)
            let first = b1 * Vector.load(m + i) + r1 * gradient
            let second = b2 * Vector.load(v + i) + r2 * gradient * gradient
            Vector.store(first, m + i)
            Vector.store(second, v + i)
            Vector.store(Vector.load(w + i) - scale * first / (Vector.squareRoot(second * inverse2) + eps), w + i)
        }, tail: { i in
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
            w[i] -= stepScale * m[i] / (Vector.squareRoot(v[i] * inverseCorrection2) + epsilon)
        })
    }
}
