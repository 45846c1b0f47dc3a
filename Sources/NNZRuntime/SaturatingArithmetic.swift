/// `a · b`, or `Int.max` when that overflows: work estimates computed from file fields must
/// not trap on a hostile but valid file (a max-pool window may span 2^24 × 2^17 inputs).
func saturatingProduct(_ factors: Int...) -> Int {
    var result = 1
    for factor in factors {
        let (product, overflow) = result.multipliedReportingOverflow(by: factor)
        if overflow { return Int.max }
        result = product
    }
    return result
}

/// `a + b`, or `Int.max` when that overflows (operands are never negative here).
func saturatingSum(_ a: Int, _ b: Int) -> Int {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? Int.max : sum
}
