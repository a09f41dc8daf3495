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
    /// Frames every record, the first with `firstLSN`, into `buffer`; `flags` go on the first.
    func frame(into buffer: WALWriteBuffer, firstLSN: UInt64, flags: UInt8)
}

extension Array: WALRecordBatch where Element: WALRecordBody {
    func frame(into buffer: WALWriteBuffer, firstLSN: UInt64, flags: UInt8) {
        var lsn = firstLSN
        for record in self {
            buffer.append(record, lsn: lsn, flags: lsn == firstLSN ? flags : 0)
            lsn += 1
        }
    }
}
