/// A record the log can encode straight into its write buffer, so that a batch is copied once
/// on its way to the file instead of first into an array of its own per record.
protocol WALRecordBody: Sendable {
    /// Bytes of the encoded body.
    var walByteCount: Int { get }
    /// Writes exactly ``walByteCount`` bytes to `buffer`.
    func writeWALBody(to buffer: UnsafeMutableRawBufferPointer)
}

extension Array: WALRecordBody where Element == UInt8 {
    var walByteCount: Int { count }

    func writeWALBody(to buffer: UnsafeMutableRawBufferPointer) {
        withUnsafeBytes { buffer.copyMemory(from: $0) }
    }
}

/// Records an appender hands the log in one call, kept as they are until a leader frames them
/// into its write buffer (one existential per call; the loop over the records is specialised).
protocol WALRecordBatch: Sendable {
    /// Records in the batch.
    var count: Int { get }
    /// Bytes of the records' bodies, all told.
    var walByteCount: Int { get }
    /// Frames records from index `start` on into `buffer` until it holds `limit` bytes or
    /// the batch ends; returns the index of the first record not framed. The first record has
    /// `firstLSN` and carries `flags`.
    func frame(into buffer: WALWriteBuffer, firstLSN: UInt64, flags: UInt8, from start: Int, limit: Int) -> Int
}

extension Array: WALRecordBatch where Element: WALRecordBody {
    var walByteCount: Int { reduce(0) { $0 + $1.walByteCount } }

    func frame(into buffer: WALWriteBuffer, firstLSN: UInt64, flags: UInt8, from start: Int, limit: Int) -> Int {
        var i = start
        while i < count && buffer.count < limit {
            buffer.append(self[i], lsn: firstLSN + UInt64(i), flags: i == 0 ? flags : 0)
            i += 1
        }
        return i
    }
}
