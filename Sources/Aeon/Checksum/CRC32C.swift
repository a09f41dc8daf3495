/// CRC32C (Castagnoli), the checksum of every page, record and blob Aeon writes.
///
/// The reflected polynomial 0x82F63B78 with initial value and final xor 0xFFFFFFFF, as in
/// iSCSI (RFC 3720), ext4 and LevelDB: `"123456789"` checksums to `0xE3069283`. Runs on the
/// SSE4.2 / ARMv8 CRC instruction where present, a slice-by-8 table otherwise; every path
/// gives the same value.
package struct CRC32C: Sendable, Hashable {
    /// The checksum of everything fed so far.
    package private(set) var value: UInt32

    /// A checksum of nothing yet (value 0).
    package init() { value = 0 }

    /// Feeds `bytes`.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        value = Kernels.best.crc32c(bytes, continuing: value)
    }

    /// Feeds the bytes of `bytes`.
    package mutating func update(_ bytes: some Sequence<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done == nil { Array(bytes).withUnsafeBytes { update($0) } }
    }

    /// The checksum of `bytes`.
    package static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        Kernels.best.crc32c(bytes)
    }

    /// The checksum of the bytes of `bytes`.
    package static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc = CRC32C()
        crc.update(bytes)
        return crc.value
    }
}
