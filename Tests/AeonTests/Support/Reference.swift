// Plain-Swift reference implementations, written independently of the C kernels so that the
// C scalar level is itself checked against something.

enum Reference {
    static func dot(_ a: some Collection<Int8>, _ b: some Collection<Int8>) -> Int32 {
        zip(a, b).reduce(Int32(0)) { $0 + Int32($1.0) * Int32($1.1) }
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    static func squaredL2(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0.0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) }
    }

    /// Sum of |a[i] * b[i]|: the scale of the rounding error a reordered float sum may have.
    static func magnitude(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
    }

    static func quantize(_ x: [Float]) -> (codes: [Int8], scale: Float) {
        let maxabs = x.reduce(Float(0)) { max($0, abs($1)) }
        guard maxabs >= 1e-30 else { return ([Int8](repeating: 0, count: x.count), 0) }
        let inv = 127 / maxabs
        let codes = x.map { v -> Int8 in
            let r = (v * inv).rounded(.toNearestOrEven)
            return Int8(min(127, max(-127, r)))
        }
        return (codes, maxabs / 127)
    }
}

/// A buffer whose payload starts `offset` bytes past a 64-byte boundary, to test unaligned access.
struct Misaligned<Element>: ~Copyable {
    let raw: UnsafeMutableRawPointer
    let pointer: UnsafeMutablePointer<Element>
    let count: Int

    init(_ values: [Element], offset: Int) {
        precondition(offset >= 0 && offset < 64)
        raw = .allocate(byteCount: values.count * MemoryLayout<Element>.stride + 128, alignment: 64)
        pointer = (raw + offset).bindMemory(to: Element.self, capacity: max(values.count, 1))
        count = values.count
        _ = UnsafeMutableBufferPointer(start: pointer, count: values.count).initialize(from: values)
    }

    var buffer: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: pointer, count: count) }
    var mutableBuffer: UnsafeMutableBufferPointer<Element> { UnsafeMutableBufferPointer(start: pointer, count: count) }

    deinit { raw.deallocate() }
}
