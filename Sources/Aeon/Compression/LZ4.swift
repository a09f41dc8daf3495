import CLZ4

/// LZ4 block compression through the system liblz4.
///
/// Blocks carry no framing of their own: the caller stores the original length beside the
/// compressed bytes (the blob arena's record header does).
package enum LZ4 {
    /// The largest input liblz4 accepts (`LZ4_MAX_INPUT_SIZE`, about 2 GiB).
    package static let maximumInputSize = 0x7E00_0000

    /// The version of the liblz4 linked at run time, e.g. "1.9.4".
    package static var libraryVersion: String { String(cString: LZ4_versionString()) }

    /// The worst-case compressed size of `count` input bytes.
    package static func compressedBound(_ count: Int) -> Int {
        precondition(count >= 0 && count <= maximumInputSize, "LZ4: input of \(count) bytes out of range")
        return Int(LZ4_compressBound(Int32(count)))
    }

    /// Compresses `input` into `output` and returns the compressed length, or `nil` when the
    /// result does not fit in `output` (give it `compressedBound(input.count)` to always fit,
    /// or less to keep only results that shrink). An empty input is never compressed (`nil`).
    ///
    /// - Throws: ``AeonError/Code/invalidArgument`` for an input larger than ``maximumInputSize``.
    package static func compress(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) throws(AeonError) -> Int? {
        guard input.count <= maximumInputSize else {
            throw AeonError(.invalidArgument, "LZ4: input of \(input.count) bytes exceeds \(maximumInputSize)")
        }
        guard let source = input.baseAddress, input.count > 0, let destination = output.baseAddress else { return nil }
        let written = LZ4_compress_default(
            source.assumingMemoryBound(to: CChar.self), destination.assumingMemoryBound(to: CChar.self),
            Int32(input.count), Int32(clamping: output.count))
        return written > 0 ? Int(written) : nil
    }

    /// Decompresses `input`, which must expand to exactly `output.count` bytes.
    ///
    /// - Throws: ``AeonError/Code/compression`` when `input` is not a valid LZ4 block of that size.
    package static func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(AeonError) {
        guard output.count <= maximumInputSize, input.count <= Int(Int32.max),
            let source = input.baseAddress, let destination = output.baseAddress, output.count > 0
        else {
            throw AeonError(.compression, "LZ4: cannot decompress \(input.count) bytes into \(output.count)")
        }
        let read = LZ4_decompress_safe(
            source.assumingMemoryBound(to: CChar.self), destination.assumingMemoryBound(to: CChar.self),
            Int32(input.count), Int32(output.count))
        guard read == Int32(output.count) else {
            throw AeonError(
                .compression,
                "LZ4: block of \(input.count) bytes does not decompress to \(output.count) bytes (liblz4 returned \(read))")
        }
    }

    /// Compresses `input` and returns the block, or `nil` when it would not be smaller.
    package static func compress(_ input: [UInt8]) throws(AeonError) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: max(input.count - 1, 0))
        let result = input.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { destination in
                Result { () throws(AeonError) in try compress(source, into: destination) }
            }
        }
        guard let written = try result.get() else { return nil }
        output.removeSubrange(written...)
        return output
    }

    /// Decompresses a block that expands to `originalCount` bytes.
    ///
    /// - Throws: ``AeonError/Code/compression`` when it does not.
    package static func decompress(_ input: [UInt8], originalCount: Int) throws(AeonError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: originalCount)
        let result = input.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { destination in
                Result { () throws(AeonError) in try decompress(source, into: destination) }
            }
        }
        try result.get()
        return output
    }
}
