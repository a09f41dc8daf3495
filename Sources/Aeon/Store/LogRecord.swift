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

    func encoded() -> [UInt8] {
        var w = BinaryWriter()
        switch self {
        case .upsert(let id, let vector, let payload):
            w = BinaryWriter(capacity: 18 + vector.count * 4 + (payload?.count ?? 0))
            w.append(UInt8(1))
            w.append(id)
            w.append(UInt32(vector.count))
            w.append(floats: vector)
            w.append(UInt8(payload == nil ? 0 : 1))
            w.append(UInt32(payload?.count ?? 0))
            if let payload { w.append(payload) }
        case .delete(let id):
            w.append(UInt8(2))
            w.append(id)
        }
        return w.bytes
    }

    /// Decodes a record of a store with `dimension`.
    ///
    /// - Throws: ``AeonError/Code/corrupt`` for a record that does not parse (its checksum
    ///   matched, so this means a bug or a foreign log; never silently skipped).
    static func decode(_ bytes: [UInt8], lsn: UInt64, dimension: Int, path: String) throws(AeonError) -> LogRecord {
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
                    let hasPayload = try r.read(UInt8.self) != 0
                    let length = Int(try r.read(UInt32.self))
                    let payload = try r.readBytes(length)
                    return .upsert(id: id, vector: vector, payload: hasPayload ? Array(payload) : nil)
                case 2:
                    return .delete(id: try r.read(UInt64.self))
                case let kind:
                    throw AeonError(.corrupt, "WAL record \(lsn) has unknown kind \(kind)", path: path)
                }
            }
        }
        return try result.get()
    }
}
