/// Plain gradient descent: `w −= lr · g`.
enum SGDRule {
    static func update(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ n: Int, learningRate: Float) {
        for i in 0..<n { w[i] -= learningRate * g[i] }
    }
}
