/// A store mutation as it is written to the WAL (docs/FORMAT.md, "Store log records").
enum LogRecord: Equatable {
    /// Insert or replace: the id, the prepared vector (normalised for cosine), the payload.
    case upsert(id: UInt64, vector: [Float], payload: [UInt8]?)
    /// Remove the id.
    case delete(id: UInt64)

    var id: UInt64 {
        switch self {
        case .upsert(let id, _, _), .delete(let id): id
        }
    }

    /// Decodes a record of a store with `dimension`.
    ///
    /// - Throws: ``AeonError/Code/corrupt`` for a record that does not parse (its checksum
    ///   matched, so this means a bug or a foreign log; never silently skipped).
    /// The record in a log record's bytes, checked as untrusted input: the vector must be as
    /// the store would have written it (``VectorValidation/problem(withStored:metric:)``), the
    /// payload flag 0 or 1, and nothing may follow the record.
    static func decode(_ bytes: [UInt8], lsn: UInt64, dimension: Int, metric: Metric, path: String) throws(AeonError) -> LogRecord {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(AeonError) -> LogRecord in
                var r = BinaryReader(raw, path: path)
                switch try r.read(UInt8.self) {
                case 1:
                    let id = try r.read(UInt64.self)
                    let count = Int(try r.read(UInt32.self))
                    guard count == dimension else {
                        throw AeonError(.corrupt, "WAL record \(lsn) holds a \(count)-d vector; the store is \(dimension)-d", path: path)
                    }
                    let floats = try r.readBytes(count * 4)
                    let vector = [Float](unsafeUninitializedCapacity: count) { out, initialized in
                        for i in 0..<count {
                            out[i] = Float(bitPattern: UInt32(littleEndian: floats.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                        }
                        initialized = count
                    }
                    if let problem = vector.withUnsafeBufferPointer({ VectorValidation.problem(withStored: $0, metric: metric) }) {
                        throw AeonError(.corrupt, "WAL record \(lsn) holds a vector with \(problem)", path: path)
                    }
                    let flag = try r.read(UInt8.self)
                    let length = Int(try r.read(UInt32.self))
                    guard flag <= 1, flag == 1 || length == 0 else {
                        throw AeonError(.corrupt, "WAL record \(lsn) has payload flag \(flag) with \(length) bytes", path: path)
                    }
                    let payload = try r.readBytes(length)
                    try r.expectEnd("WAL record \(lsn)")
                    return .upsert(id: id, vector: vector, payload: flag == 1 ? Array(payload) : nil)
                case 2:
                    let id = try r.read(UInt64.self)
                    try r.expectEnd("WAL record \(lsn)")
                    return .delete(id: id)
                case let kind:
                    throw AeonError(.corrupt, "WAL record \(lsn) has unknown kind \(kind)", path: path)
                }
            }
        }
        return try result.get()
    }
}

extension LogRecord: WALRecordBody {
    var walByteCount: Int {
        switch self {
        case .upsert(_, let vector, let payload): 18 + vector.count * 4 + (payload?.count ?? 0)
        case .delete: 9
        }
    }

    func writeWALBody(to buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count == walByteCount, "LogRecord: buffer of \(buffer.count) bytes for \(walByteCount)")
        let out = buffer.baseAddress!
        switch self {
        case .upsert(let id, let vector, let payload):
            out.storeBytes(of: 1, as: UInt8.self)
            out.storeBytes(of: id.littleEndian, toByteOffset: 1, as: UInt64.self)
            out.storeBytes(of: UInt32(vector.count).littleEndian, toByteOffset: 9, as: UInt32.self)
            let floats = out + 13
            #if _endian(little)
            vector.withUnsafeBytes { if let base = $0.baseAddress { floats.copyMemory(from: base, byteCount: $0.count) } }
            #else
            for (i, x) in vector.enumerated() { floats.storeBytes(of: x.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
            #endif
            let tail = floats + 4 * vector.count
            tail.storeBytes(of: payload == nil ? 0 : 1, as: UInt8.self)
            tail.storeBytes(of: UInt32(payload?.count ?? 0).littleEndian, toByteOffset: 1, as: UInt32.self)
            payload?.withUnsafeBytes { if let base = $0.baseAddress { (tail + 5).copyMemory(from: base, byteCount: $0.count) } }
        case .delete(let id):
            out.storeBytes(of: 2, as: UInt8.self)
            out.storeBytes(of: id.littleEndian, toByteOffset: 1, as: UInt64.self)
        }
    }
}
