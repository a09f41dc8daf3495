/// Payloads framed as blob records, back to back in one buffer, ready to be written in one go.
///
/// Framing (and compressing) happens before the arena takes its writer lock, so a large payload
/// does not hold up other appends' bookkeeping while LZ4 runs.
final class BlobFrames {
    private let buffer: UnsafeMutableRawBufferPointer
    private var used = 0
    /// Each record's bytes (inside the buffer) and checksum, in the order added.
    private(set) var records: [(bytes: UnsafeRawBufferPointer, checksum: UInt32)] = []

    /// Room for payloads of `payloadCounts` bytes, each framed at its worst (stored raw).
    init(payloadCounts: some Sequence<Int>) {
        let capacity = payloadCounts.reduce(0) { $0 + BlobFormat.framedLength(storedCount: $1) }
        buffer = .allocate(byteCount: max(capacity, 1), alignment: BlobFormat.alignment)
    }

    deinit { buffer.deallocate() }

    /// Whether a payload of `count` bytes fits in one record.
    static func accepts(count: Int) -> Bool {
        count <= BlobFormat.maximumFramedLength - BlobFormat.recordHeaderSize
    }

    /// Frames `payload`: LZ4-compressed when it is longer than `compressionThreshold` and
    /// compression saves at least 1/16 of it, raw otherwise.
    func add(_ payload: UnsafeRawBufferPointer, compressionThreshold: Int) {
        precondition(Self.accepts(count: payload.count), "BlobFrames: payload of \(payload.count) bytes is too large")
        let start = used
        let body = start + BlobFormat.recordHeaderSize
        precondition(BlobFormat.framedLength(storedCount: payload.count) <= buffer.count - start, "BlobFrames: buffer too small")
        var flags: UInt32 = 0
        var storedCount = payload.count
        if payload.count > compressionThreshold, payload.count <= LZ4.maximumInputSize {
            // Room for the payload less 1/16: liblz4 gives up when the block would not fit.
            let room = UnsafeMutableRawBufferPointer(rebasing: buffer[body..<(body + payload.count - payload.count / 16)])
            // Cannot throw for an input within LZ4.maximumInputSize; either way the payload is stored raw.
            if let compressed = (try? LZ4.compress(payload, into: room)) ?? nil {
                flags = BlobFormat.compressedFlag
                storedCount = compressed
            }
        }
        if flags == 0, let source = payload.baseAddress {
            (buffer.baseAddress! + body).copyMemory(from: source, byteCount: payload.count)
        }
        let framed = BlobFormat.framedLength(storedCount: storedCount)
        let paddingStart = body + storedCount
        buffer.baseAddress!.advanced(by: paddingStart).initializeMemory(as: UInt8.self, repeating: 0, count: start + framed - paddingStart)
        let header = BlobRecordHeader(
            flags: flags, stored: UnsafeRawBufferPointer(rebasing: buffer[body..<paddingStart]), originalCount: payload.count)
        header.store(to: UnsafeMutableRawBufferPointer(rebasing: buffer[start..<body]))
        records.append((UnsafeRawBufferPointer(rebasing: buffer[start..<(start + framed)]), header.checksum))
        used = start + framed
    }
}
