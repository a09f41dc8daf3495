import CAeonKernels

/// The hot numeric kernels at one ``SIMDLevel``: int8 and fp32 dot products, squared L2,
/// the posting scan, the symmetric int8 quantizer and CRC32C.
///
/// A `Kernels` value is a small table of C function pointers; copy it freely. The engine
/// resolves one when a store opens (``fromEnvironment(_:)``) and hands it to its components,
/// so a level forced for a test or a benchmark applies to everything that store does.
///
/// The kernels take raw pointers and trust their caller for the contract below; the
/// buffer-taking conveniences check it with `precondition`.
/// - int8 codes lie in [-127, 127] (``QuantizedVector`` guarantees it).
/// - Dimensions are at most ``maximumDimension``.
/// - fp32 inputs to ``quantize(_:into:)`` are finite.
package struct Kernels: Sendable {
    /// The level these kernels run at.
    package let level: SIMDLevel

    /// The largest dimension the int8 kernels accept without int32 overflow.
    package static let maximumDimension = Int(AEON_MAX_DIM)

    /// The environment variable that forces a level.
    package static let environmentVariable = "AEON_SIMD"

    @usableFromInline let _dotI8: @convention(c) (UnsafePointer<Int8>?, UnsafePointer<Int8>?, Int) -> Int32
    @usableFromInline let _dotF32: @convention(c) (UnsafePointer<Float>?, UnsafePointer<Float>?, Int) -> Float
    @usableFromInline let _l2sqF32: @convention(c) (UnsafePointer<Float>?, UnsafePointer<Float>?, Int) -> Float
    @usableFromInline let _scanI8:
        @convention(c) (UnsafePointer<Int8>?, UnsafePointer<Int8>?, Int, Int, Int, UnsafeMutablePointer<Int32>?) -> Void
    @usableFromInline let _quantize: @convention(c) (UnsafePointer<Float>?, Int, UnsafeMutablePointer<Int8>?) -> Float
    @usableFromInline let _dequantize:
        @convention(c) (UnsafePointer<Int8>?, Int, Float, UnsafeMutablePointer<Float>?) -> Void
    @usableFromInline let _crc32c: @convention(c) (UInt32, UnsafeRawPointer?, Int) -> UInt32

    /// The kernels of `level`.
    ///
    /// - Throws: ``AeonError/Code/unsupportedCPU`` when the running CPU lacks the level.
    package init(level: SIMDLevel) throws(AeonError) {
        guard let table = aeon_kernels_for(level.cLevel)?.pointee,
            let dotI8 = table.dot_i8, let dotF32 = table.dot_f32, let l2sq = table.l2sq_f32,
            let scan = table.scan_i8, let quantize = table.quantize,
            let dequantize = table.dequantize, let crc = table.crc32c
        else {
            throw AeonError(
                .unsupportedCPU,
                "this CPU does not support SIMD level '\(level)' (supported: "
                    + SIMDLevel.supported.map(\.rawValue).joined(separator: ", ") + ")")
        }
        self.level = level
        self._dotI8 = dotI8
        self._dotF32 = dotF32
        self._l2sqF32 = l2sq
        self._scanI8 = scan
        self._quantize = quantize
        self._dequantize = dequantize
        self._crc32c = crc
    }

    /// The kernels of the fastest level the running CPU supports.
    package static let best: Kernels = {
        do {
            return try Kernels(level: .best)
        } catch {
            preconditionFailure("the best supported SIMD level has no kernels: \(error)")
        }
    }()

    // MARK: int8

    /// The dot product of two int8 code vectors of `dimension` codes.
    @inlinable
    package func dot(_ a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>, dimension: Int) -> Int32 {
        _dotI8(a, b, dimension)
    }

    /// The dot product of two int8 code vectors of equal length.
    @inlinable
    package func dot(_ a: UnsafeBufferPointer<Int8>, _ b: UnsafeBufferPointer<Int8>) -> Int32 {
        precondition(a.count == b.count, "dot: lengths differ (\(a.count) vs \(b.count))")
        precondition(a.count <= Self.maximumDimension, "dot: dimension \(a.count) too large")
        guard let pa = a.baseAddress, let pb = b.baseAddress else { return 0 }
        return _dotI8(pa, pb, a.count)
    }

    /// The posting scan: `scores[r]` = `dot(query, codes + r * stride)` for `r < count`.
    ///
    /// The innermost loop of every search. `stride >= dimension` lets rows be padded.
    @inlinable
    package func scan(
        query: UnsafePointer<Int8>, codes: UnsafePointer<Int8>, dimension: Int, stride: Int, count: Int,
        scores: UnsafeMutablePointer<Int32>
    ) {
        _scanI8(query, codes, dimension, stride, count, scores)
    }

    /// The posting scan over buffers: one score per `stride`-byte row of `codes`, written to
    /// the start of `scores`.
    @inlinable
    package func scan(
        query: UnsafeBufferPointer<Int8>, codes: UnsafeBufferPointer<Int8>, stride: Int,
        scores: UnsafeMutableBufferPointer<Int32>
    ) {
        let dimension = query.count
        precondition(stride >= dimension && stride > 0, "scan: stride \(stride) < dimension \(dimension)")
        precondition(dimension <= Self.maximumDimension, "scan: dimension \(dimension) too large")
        precondition(codes.count % stride == 0, "scan: codes are not whole rows")
        let count = codes.count / stride
        precondition(scores.count >= count, "scan: \(scores.count) scores for \(count) rows")
        guard count > 0, let q = query.baseAddress ?? codes.baseAddress, let c = codes.baseAddress,
            let s = scores.baseAddress
        else { return }
        _scanI8(q, c, dimension, stride, count, s)
    }

    // MARK: fp32

    /// The dot product of two float vectors of `dimension` elements.
    @inlinable
    package func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, dimension: Int) -> Float {
        _dotF32(a, b, dimension)
    }

    /// The dot product of two float vectors of equal length.
    @inlinable
    package func dot(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Float {
        precondition(a.count == b.count, "dot: lengths differ (\(a.count) vs \(b.count))")
        guard let pa = a.baseAddress, let pb = b.baseAddress else { return 0 }
        return _dotF32(pa, pb, a.count)
    }

    /// The squared Euclidean distance between two float vectors of `dimension` elements.
    @inlinable
    package func squaredL2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, dimension: Int) -> Float {
        _l2sqF32(a, b, dimension)
    }

    /// The squared Euclidean distance between two float vectors of equal length.
    @inlinable
    package func squaredL2(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Float {
        precondition(a.count == b.count, "squaredL2: lengths differ (\(a.count) vs \(b.count))")
        guard let pa = a.baseAddress, let pb = b.baseAddress else { return 0 }
        return _l2sqF32(pa, pb, a.count)
    }

    // MARK: quantization

    /// Quantizes `vector` into `codes` (same length) symmetrically and returns the scale:
    /// `scale = max|x| / 127`, `codes[i] = round(x[i] / scale)` in [-127, 127], ties to even.
    /// A zero vector (or one whose largest magnitude is below 1e-30) gives scale 0 and zero codes.
    ///
    /// Every level produces bit-identical codes and scale. `vector` must be finite.
    @inlinable
    package func quantize(_ vector: UnsafeBufferPointer<Float>, into codes: UnsafeMutableBufferPointer<Int8>) -> Float {
        precondition(vector.count == codes.count, "quantize: \(vector.count) floats into \(codes.count) codes")
        guard let x = vector.baseAddress, let c = codes.baseAddress else { return 0 }
        return _quantize(x, vector.count, c)
    }

    /// Writes `codes[i] * scale` into `vector` (same length).
    @inlinable
    package func dequantize(_ codes: UnsafeBufferPointer<Int8>, scale: Float, into vector: UnsafeMutableBufferPointer<Float>) {
        precondition(vector.count == codes.count, "dequantize: \(codes.count) codes into \(vector.count) floats")
        guard let x = vector.baseAddress, let c = codes.baseAddress else { return }
        _dequantize(c, codes.count, scale, x)
    }

    // MARK: checksums

    /// CRC32C of `bytes`, continued from `crc` (start with 0). Every level computes the same value.
    @inlinable
    package func crc32c(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        _crc32c(crc, bytes.baseAddress, bytes.count)
    }
}
