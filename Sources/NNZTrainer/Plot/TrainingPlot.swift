#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Renders a trained model's curves (loss, and accuracy for classifiers, per epoch, training
/// and validation) and, for two-feature classifiers, the decision boundary with the data
/// points, like the tutorials' pictures. Returns PNG bytes.
///
/// ```swift
/// let png = TrainingPlot.render(trained)
/// try FileIO.write(png, to: "curves.png")
/// ```
public enum TrainingPlot {
    /// - Parameters:
    ///   - points: raw rows to draw over the decision boundary (default: the training rows).
    ///   - boundaryResolution: pixels per evaluated grid cell (1 = every pixel).
    public static func render(_ trained: TrainedModel, points: Dataset? = nil, boundaryResolution: Int = 1) -> [UInt8] {
        let data = points ?? trained.trainingRaw
        let history = trained.history.epochs
        let classification = trained.trainingRaw.isClassification
        let boundary = classification && data.width == 2 && trained.network.inputWidth == 2
        let chartWidth = 560, chartHeight = 320
        let charts = classification ? 2 : 1
        let boundarySize = boundary ? 640 : 0
        var canvas = Canvas(width: chartWidth + boundarySize, height: max(charts * chartHeight, boundarySize))

        let loss = Series(name: "train", color: .train, values: history.map(\.loss))
        let validationLoss = history.compactMap(\.validationLoss)
        var lossSeries = [loss]
        if validationLoss.count == history.count && !history.isEmpty {
            lossSeries.append(Series(name: "validation", color: .validation, values: validationLoss))
        }
        drawChart(&canvas, x: 0, y: 0, width: chartWidth, height: chartHeight, title: "loss", series: lossSeries, unitRange: false)
        if classification {
            var accuracySeries = [Series(name: "train", color: .train, values: history.map { $0.accuracy ?? 0 })]
            let validationAccuracy = history.compactMap(\.validationAccuracy)
            if validationAccuracy.count == history.count && !history.isEmpty {
                accuracySeries.append(Series(name: "validation", color: .validation, values: validationAccuracy))
            }
            drawChart(&canvas, x: 0, y: chartHeight, width: chartWidth, height: chartHeight, title: "accuracy",
                      series: accuracySeries, unitRange: true)
        }
        if boundary {
            drawBoundary(&canvas, trained, data, x: chartWidth, y: 0, size: boundarySize, resolution: max(1, boundaryResolution))
        }
        return canvas.png()
    }

    struct Series {
        var name: String
        var color: Canvas.Color
        var values: [Double]
    }

    // MARK: - Curves

    private static func drawChart(_ canvas: inout Canvas, x: Int, y: Int, width: Int, height: Int, title: String,
                                  series: [Series], unitRange: Bool) {
        let left = x + 78, right = x + width - 16, top = y + 34, bottom = y + height - 44
        let plotWidth = right - left, plotHeight = bottom - top
        let epochs = series.first?.values.count ?? 0
        let finite = series.flatMap(\.values).filter(\.isFinite)
        var low = finite.min() ?? 0, high = finite.max() ?? 1
        var logScale = false
        if unitRange {
            low = max(0, min(low, 1) - 0.02)
            high = 1
            if high - low < 0.05 { low = high - 0.05 }
        } else if low > 0 && high / low > 30 {
            logScale = true
            low = log10(low)
            high = log10(high)
        }
        if high - low < 1e-12 { high = low + 1 }
        let pad = (high - low) * 0.05
        if !unitRange { low -= pad; high += pad }
        func py(_ v: Double) -> Int {
            let value = logScale ? log10(max(v, 1e-300)) : v
            return bottom - Int(((value - low) / (high - low) * Double(plotHeight)).rounded())
        }
        func px(_ epoch: Int) -> Int {
            epochs <= 1 ? left + plotWidth / 2 : left + Int((Double(epoch - 1) / Double(epochs - 1) * Double(plotWidth)).rounded())
        }

        canvas.text(title + (logScale ? " (log scale)" : ""), x: left, y: y + 10, .black)
        // Y grid and labels.
        if logScale {
            var k = Int(ceil(low))
            while Double(k) <= high {
                let yy = py(pow(10, Double(k)))
                canvas.line(left, yy, right, yy, .grid)
                let label = k >= -2 ? trimmedNumber(pow(10, Double(k)), decimals: max(0, -k)) : "1e\(k)"
                canvas.text(label, x: left - 8 - Canvas.textWidth(label), y: yy - 7, .axis)
                k += 1
            }
        } else {
            let step = niceStep((high - low) / 5)
            var v = ceil(low / step) * step
            let decimals = max(0, Int(-floor(log10(step))))
            while v <= high + step * 1e-9 {
                let yy = py(v)
                canvas.line(left, yy, right, yy, .grid)
                let label = trimmedNumber(v, decimals: decimals)
                canvas.text(label, x: left - 8 - Canvas.textWidth(label), y: yy - 7, .axis)
                v += step
            }
        }
        // X grid and labels (epochs).
        if epochs > 1 {
            let step = max(1, niceStep(Double(epochs - 1) / 6))
            var e = step
            while e <= Double(epochs) {
                let xx = px(Int(e))
                canvas.line(xx, top, xx, bottom, .grid)
                let label = String(Int(e))
                canvas.text(label, x: xx - Canvas.textWidth(label) / 2, y: bottom + 8, .axis)
                e += step
            }
        }
        canvas.text("epoch", x: right - Canvas.textWidth("epoch"), y: bottom + 26, .axis)
        canvas.rectangle(x: left, y: top, width: plotWidth + 1, height: plotHeight + 1, .axis)
        // Curves.
        for s in series {
            var previous: (Int, Int)?
            for (i, v) in s.values.enumerated() where v.isFinite {
                let point = (px(i + 1), min(bottom, max(top, py(v))))
                if let p = previous { canvas.line(p.0, p.1, point.0, point.1, s.color, thickness: 2) }
                previous = point
            }
        }
        // Legend.
        var legendX = right - 8
        for s in series.reversed() {
            let w = Canvas.textWidth(s.name)
            legendX -= w
            canvas.text(s.name, x: legendX, y: y + 10, s.color)
            legendX -= 14
            canvas.fill(x: legendX, y: y + 14, width: 10, height: 6, s.color)
            legendX -= 16
        }
    }

    // MARK: - Decision boundary

    static let palette: [Canvas.Color] = [
        Canvas.Color(r: 213, g: 62, b: 79), Canvas.Color(r: 50, g: 136, b: 189), Canvas.Color(r: 102, g: 194, b: 165),
        Canvas.Color(r: 244, g: 109, b: 67), Canvas.Color(r: 94, g: 79, b: 162), Canvas.Color(r: 253, g: 174, b: 97),
        Canvas.Color(r: 171, g: 221, b: 164), Canvas.Color(r: 158, g: 1, b: 66), Canvas.Color(r: 230, g: 245, b: 152),
        Canvas.Color(r: 120, g: 120, b: 120),
    ]

    private static func drawBoundary(_ canvas: inout Canvas, _ trained: TrainedModel, _ data: Dataset,
                                     x: Int, y: Int, size: Int, resolution: Int) {
        let left = x + 70, top = y + 34, side = size - 70 - 16
        let bottom = top + side
        var minX = Double.infinity, maxX = -Double.infinity, minY = Double.infinity, maxY = -Double.infinity
        for i in 0..<data.count {
            minX = min(minX, Double(data.features[2 * i])); maxX = max(maxX, Double(data.features[2 * i]))
            minY = min(minY, Double(data.features[2 * i + 1])); maxY = max(maxY, Double(data.features[2 * i + 1]))
        }
        if !(minX < maxX) { minX -= 1; maxX += 1 }
        if !(minY < maxY) { minY -= 1; maxY += 1 }
        let marginX = (maxX - minX) * 0.1, marginY = (maxY - minY) * 0.1
        minX -= marginX; maxX += marginX; minY -= marginY; maxY += marginY

        // Evaluate the model on a grid of cell centres.
        let cells = (side + resolution - 1) / resolution
        var grid = [Float](repeating: 0, count: cells * cells * 2)
        for row in 0..<cells {
            for column in 0..<cells {
                let i = row * cells + column
                let cx = (Double(column) + 0.5) / Double(cells), cy = (Double(row) + 0.5) / Double(cells)
                grid[2 * i] = Float(minX + cx * (maxX - minX))
                grid[2 * i + 1] = Float(maxY - cy * (maxY - minY))
            }
        }
        let outputs = trained.predict(raw: grid, count: cells * cells)
        let width = trained.network.outputWidth
        var classes = [Int](repeating: 0, count: cells * cells)
        var colors = [Canvas.Color](repeating: .white, count: cells * cells)
        for i in 0..<(cells * cells) {
            let row = Array(outputs[(i * width)..<((i + 1) * width)])
            let (label, probabilities) = classify(row, probabilities: trained.network.endsWithSoftmax || trained.network.layers.last is Sigmoid)
            classes[i] = label
            let color: Canvas.Color
            if probabilities.count == 2 {
                color = palette[0].mixed(with: palette[1], probabilities[1])
            } else {
                color = palette[label % palette.count]
            }
            let confidence = probabilities.max() ?? 1
            colors[i] = color.mixed(with: .white, 0.45 + 0.35 * (1 - confidence))
        }
        for py in 0..<side {
            for px in 0..<side {
                let i = (py / resolution) * cells + px / resolution
                canvas.set(left + px, top + py, colors[i])
            }
        }
        // The boundary itself: where the predicted class changes.
        for row in 0..<cells {
            for column in 0..<cells {
                let i = row * cells + column
                let changes = (column + 1 < cells && classes[i + 1] != classes[i]) || (row + 1 < cells && classes[i + cells] != classes[i])
                if changes {
                    canvas.fill(x: left + column * resolution, y: top + row * resolution, width: max(1, resolution), height: max(1, resolution),
                                Canvas.Color(r: 60, g: 60, b: 60))
                }
            }
        }
        // Points.
        let labels: [Int32]
        if case .classes(let l, _) = data.targets { labels = l } else { labels = [] }
        for i in 0..<data.count {
            let fx = (Double(data.features[2 * i]) - minX) / (maxX - minX)
            let fy = (maxY - Double(data.features[2 * i + 1])) / (maxY - minY)
            let label = i < labels.count ? Int(labels[i]) : 0
            canvas.disc(left + Int(fx * Double(side)), top + Int(fy * Double(side)), radius: 4,
                        fill: palette[label % palette.count], outline: .black)
        }
        canvas.rectangle(x: left, y: top, width: side + 1, height: side + 1, .axis)
        canvas.text("decision boundary", x: left, y: y + 10, .black)
        // Axis ticks.
        let stepX = niceStep((maxX - minX) / 5), stepY = niceStep((maxY - minY) / 5)
        var tx = ceil(minX / stepX) * stepX
        while tx <= maxX {
            let xx = left + Int(((tx - minX) / (maxX - minX) * Double(side)).rounded())
            let label = trimmedNumber(tx, decimals: max(0, Int(-floor(log10(stepX)))))
            canvas.line(xx, bottom, xx, bottom + 4, .axis)
            canvas.text(label, x: xx - Canvas.textWidth(label) / 2, y: bottom + 8, .axis)
            tx += stepX
        }
        var ty = ceil(minY / stepY) * stepY
        while ty <= maxY {
            let yy = top + Int(((maxY - ty) / (maxY - minY) * Double(side)).rounded())
            let label = trimmedNumber(ty, decimals: max(0, Int(-floor(log10(stepY)))))
            canvas.line(left - 4, yy, left, yy, .axis)
            canvas.text(label, x: left - 8 - Canvas.textWidth(label), y: yy - 7, .axis)
            ty += stepY
        }
        let names = data.featureNames
        if names.count == 2 {
            canvas.text(names[0], x: left + side - Canvas.textWidth(names[0]), y: bottom + 26, .axis)
            canvas.text(names[1], x: x + 4, y: top - 22, .axis)
        }
    }

    /// The predicted class and per-class probabilities for one output row.
    static func classify(_ row: [Float], probabilities: Bool) -> (Int, [Double]) {
        if row.count == 1 {
            let p = Double(max(0, min(1, row[0])))
            return (p >= 0.5 ? 1 : 0, [1 - p, p])
        }
        var values = row.map(Double.init)
        if probabilities {
            let sum = values.reduce(0) { $0 + max($1, 0) }
            values = values.map { sum > 0 ? max($0, 0) / sum : 1 / Double(row.count) }
        } else {
            let m = values.max() ?? 0
            let e = values.map { exp($0 - m) }
            let s = e.reduce(0, +)
            values = e.map { $0 / s }
        }
        var best = 0
        for k in 1..<values.count where values[k] > values[best] { best = k }
        return (best, values)
    }

    // MARK: - Numbers

    /// 1, 2 or 5 times a power of ten, at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let power = pow(10, floor(log10(raw)))
        let fraction = raw / power
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        return nice * power
    }

    /// `value` with `decimals` digits after the point (no Foundation).
    static func trimmedNumber(_ value: Double, decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (value * scale).rounded()
        if scaled == 0 { return "0" }
        let negative = scaled < 0
        let magnitude = Int64(abs(scaled))
        var digits = String(magnitude)
        if decimals > 0 {
            while digits.count <= decimals { digits = "0" + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -decimals))
        }
        return (negative ? "-" : "") + digits
    }
}
