/// Appends little-endian fields to a byte array: the one way Aeon encodes headers and tables.
struct BinaryWriter {
    private(set) var bytes: [UInt8]

    init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ value: Float) { append(value.bitPattern) }

    /// Appends floats in little-endian order: one copy on little-endian hosts.
    mutating func append(floats: [Float]) {
        #if _endian(little)
        floats.withUnsafeBytes { bytes.append(contentsOf: $0) }
        #else
        for x in floats { append(x) }
        #endif
    }

    mutating func append(_ raw: some Sequence<UInt8>) { bytes.append(contentsOf: raw) }

    /// Appends zero bytes up to `length` (precondition: not already past it).
    mutating func pad(to length: Int) {
        precondition(bytes.count <= length, "BinaryWriter: \(bytes.count) bytes already past \(length)")
        bytes.append(contentsOf: repeatElement(0, count: length - bytes.count))
    }

    var count: Int { bytes.count }
}

/// Reads little-endian fields from bytes that came from outside (a file): every read is
/// bounds-checked and a short buffer is a typed ``AeonError/Code/corrupt`` error naming the file
/// and offset, never a crash.
struct BinaryReader {
    let buffer: UnsafeRawBufferPointer
    let path: String
    /// Offset of `buffer` within its file, for error messages.
    let baseOffset: UInt64
    private(set) var position = 0

    init(_ buffer: UnsafeRawBufferPointer, path: String, baseOffset: UInt64 = 0) {
        self.buffer = buffer
        self.path = path
        self.baseOffset = baseOffset
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type = T.self) throws(AeonError) -> T {
        let size = MemoryLayout<T>.size
        guard position + size <= buffer.count else {
            throw AeonError(
                .corrupt, "truncated: \(size) bytes needed at \(position), \(buffer.count - position) left",
                path: path, offset: baseOffset + UInt64(position))
        }
        let value = buffer.loadUnaligned(fromByteOffset: position, as: T.self)
        position += size
        return T(littleEndian: value)
    }

    mutating func readFloat() throws(AeonError) -> Float { Float(bitPattern: try read(UInt32.self)) }

    mutating func readBytes(_ count: Int) throws(AeonError) -> UnsafeRawBufferPointer {
        guard count >= 0, position + count <= buffer.count else {
            throw AeonError(
                .corrupt, "truncated: \(count) bytes needed at \(position)", path: path,
                offset: baseOffset + UInt64(position))
        }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: buffer[position..<(position + count)])
    }

    /// Throws unless every byte has been read: `what` must hold nothing after its fields.
    func expectEnd(_ what: @autoclosure () -> String) throws(AeonError) {
        guard position == buffer.count else {
            throw AeonError(
                .corrupt, "\(what()) has \(buffer.count - position) bytes after its last field", path: path,
                offset: baseOffset + UInt64(position))
        }
    }

    mutating func skip(to offset: Int) throws(AeonError) {
        guard offset >= position, offset <= buffer.count else {
            throw AeonError(.corrupt, "bad field offset \(offset)", path: path, offset: baseOffset + UInt64(position))
        }
        position = offset
    }
}
