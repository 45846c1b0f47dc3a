/// An RGB raster with the few drawing operations the training plots need.
struct Canvas {
    struct Color: Equatable {
        var r: UInt8, g: UInt8, b: UInt8
        static let white = Color(r: 255, g: 255, b: 255)
        static let black = Color(r: 0, g: 0, b: 0)
        static let grid = Color(r: 225, g: 225, b: 225)
        static let axis = Color(r: 90, g: 90, b: 90)
        static let train = Color(r: 31, g: 119, b: 180)
        static let validation = Color(r: 255, g: 127, b: 14)

        func mixed(with other: Color, _ t: Double) -> Color {
            let u = max(0, min(1, t))
            func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) * (1 - u) + Double(b) * u).rounded()) }
            return Color(r: mix(r, other.r), g: mix(g, other.g), b: mix(b, other.b))
        }
    }

    let width: Int
    let height: Int
    private(set) var pixels: [UInt8]

    init(width: Int, height: Int, background: Color = .white) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        fill(x: 0, y: 0, width: width, height: height, background)
    }

    mutating func set(_ x: Int, _ y: Int, _ c: Color) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * 3
        pixels[i] = c.r
        pixels[i + 1] = c.g
        pixels[i + 2] = c.b
    }

    mutating func fill(x: Int, y: Int, width w: Int, height h: Int, _ c: Color) {
        for yy in max(0, y)..<min(height, y + h) {
            for xx in max(0, x)..<min(width, x + w) { set(xx, yy, c) }
        }
    }

    /// A line `thickness` pixels wide (Bresenham with a square pen).
    mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ c: Color, thickness: Int = 1) {
        var x = x0, y = y0
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var error = dx + dy
        let half = thickness / 2
        while true {
            if thickness <= 1 { set(x, y, c) } else { fill(x: x - half, y: y - half, width: thickness, height: thickness, c) }
            if x == x1 && y == y1 { break }
            let e2 = 2 * error
            if e2 >= dy { error += dy; x += sx }
            if e2 <= dx { error += dx; y += sy }
        }
    }

    mutating func rectangle(x: Int, y: Int, width w: Int, height h: Int, _ c: Color) {
        line(x, y, x + w - 1, y, c)
        line(x, y + h - 1, x + w - 1, y + h - 1, c)
        line(x, y, x, y + h - 1, c)
        line(x + w - 1, y, x + w - 1, y + h - 1, c)
    }

    /// A filled disc with an outline.
    mutating func disc(_ cx: Int, _ cy: Int, radius: Int, fill: Color, outline: Color) {
        for dy in -radius...radius {
            for dx in -radius...radius {
                let d2 = dx * dx + dy * dy
                if d2 <= radius * radius {
                    set(cx + dx, cy + dy, d2 > (radius - 1) * (radius - 1) ? outline : fill)
                }
            }
        }
    }

    /// Text in the built-in 5×7 font, `scale` pixels per font pixel; returns the width drawn.
    @discardableResult
    mutating func text(_ string: String, x: Int, y: Int, _ c: Color, scale: Int = 2) -> Int {
        var cursor = x
        for character in string.lowercased() {
            if let columns = BitmapFont.glyph(character) {
                for (cx, bits) in columns.enumerated() {
                    for row in 0..<8 where bits & (1 << row) != 0 {
                        fill(x: cursor + cx * scale, y: y + row * scale, width: scale, height: scale, c)
                    }
                }
            }
            cursor += 6 * scale
        }
        return cursor - x
    }

    static func textWidth(_ string: String, scale: Int = 2) -> Int { string.count * 6 * scale }

    func png() -> [UInt8] {
        PNGEncoder.encode(width: width, height: height, rgb: pixels)
    }
}
