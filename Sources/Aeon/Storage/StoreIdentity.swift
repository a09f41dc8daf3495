/// A store's identity: 128 random bits, chosen when the store is created and written into its
/// manifest and into the header of every log and blob segment it writes, so that recovery can
/// tell a segment of this store from another store's copied in, and know that the log it finds
/// is this store's own.
public struct StoreIdentity: Hashable, Sendable, CustomStringConvertible {
    /// The first 64 bits (stored first, little-endian).
    public var high: UInt64
    /// The last 64 bits.
    public var low: UInt64

    /// An identity from its two halves.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// A new random identity (the system's cryptographic generator).
    public static func random() -> StoreIdentity {
        var generator = SystemRandomNumberGenerator()
        return StoreIdentity(high: generator.next(), low: generator.next())
    }

    /// Bytes in a header.
    static let size = 16

    /// 32 lowercase hexadecimal digits.
    public var description: String {
        func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return hex(high) + hex(low)
    }

    /// Appends the 16 bytes to a header being written.
    func write(to writer: inout BinaryWriter) {
        writer.append(high)
        writer.append(low)
    }

    /// The identity stored at `offset` of `raw` (which holds 16 bytes there).
    init(loading raw: UnsafeRawBufferPointer, at offset: Int) {
        high = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        low = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
    }
}
