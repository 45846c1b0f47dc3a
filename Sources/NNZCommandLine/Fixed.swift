/// `value` with exactly `digits` digits after the point, like printf's `%.*f` (halves round
/// away from zero; a value that rounds to zero has no minus sign; infinities and NaN print
/// as Swift does). Written without Foundation, which the tools do not link.
public func fixed(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (abs(value) * scale).rounded()
    let negative = value < 0 && rounded != 0
    let integer = String(Int64(rounded / scale))
    if digits == 0 { return (negative ? "-" : "") + integer }
    var fraction = String(Int64(rounded.truncatingRemainder(dividingBy: scale)))
    while fraction.count < digits { fraction = "0" + fraction }
    return (negative ? "-" : "") + integer + "." + fraction
}
