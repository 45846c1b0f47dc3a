/// Adam (Kingma & Ba) with bias correction; `correction1 = 1 − β1ᵗ`, `correction2 = 1 − β2ᵗ`
/// for step `t` counted from 1.
enum AdamRule {
    static func update(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ n: Int,
                       firstMoment m: UnsafeMutablePointer<Float>, secondMoment v: UnsafeMutablePointer<Float>,
                       beta1: Float, beta2: Float, epsilon: Float, correction1: Float, correction2: Float,
                       learningRate: Float) {
        for i in 0..<n {
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
            let mHat = m[i] / correction1
            let vHat = v[i] / correction2
            w[i] -= learningRate * mHat / (vHat.squareRoot() + epsilon)
        }
    }
}
