/// The bytes of one write round, framed as they go to the file (docs/FORMAT.md, "Write-ahead
/// log"): fragments that never cross a block boundary, each with its header and CRC32C.
///
/// A record that fits in what is left of its block is encoded straight into place and
/// checksummed there, so its bytes are written once before the `pwrite`; one that spans blocks
/// is encoded into a scratch buffer first and copied out fragment by fragment. The memory is
/// kept from round to round (a fresh megabyte-sized array per round costs a page fault per 4 KiB),
/// aligned for writes that bypass the page cache. Only the log's leader touches it.
final class WALWriteBuffer {
    private var storage = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    private var scratch = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    /// Bytes framed so far.
    private(set) var count = 0
    /// Where in the segment file the first byte goes: block boundaries are file offsets.
    private(set) var fileOffset = 0

    init() {}

    deinit {
        storage.deallocate()
        scratch.deallocate()
    }

    /// The framed bytes, valid until the next change.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: storage[0..<count]) }

    /// The file offset just past the framed bytes.
    var endOffset: Int { fileOffset + count }

    /// Empties the buffer for bytes that go at `offset` of the file.
    func reset(at offset: Int) {
        fileOffset = offset
        count = 0
    }

    /// Frees memory beyond `limit` bytes that an unusually large round left behind.
    func trim(toAtMost limit: Int) {
        if storage.count > limit {
            storage.deallocate()
            storage = UnsafeMutableRawBufferPointer(start: nil, count: 0)
        }
        if scratch.count > limit {
            scratch.deallocate()
            scratch = UnsafeMutableRawBufferPointer(start: nil, count: 0)
        }
    }

    /// Ends the buffer on a multiple of `alignment` (a divisor of the block size) with a padding
    /// fragment carrying `flags`: or, at a block's end too short for a fragment header, with the
    /// zeros the format puts there. Where the gap is shorter than a header, the padding runs on to the
    /// next boundary but one.
    /// Returns whether it wrote a padding fragment.
    @discardableResult
    func pad(toMultipleOf alignment: Int, flags: UInt8) -> Bool {
        precondition(WALFormat.blockSize % alignment == 0, "WAL padding: \(alignment) does not divide the block size")
        let header = WALFormat.fragmentHeaderSize
        var gap = (alignment - endOffset % alignment) % alignment
        guard gap > 0 else { return false }
        reserve(gap + alignment)
        let room = WALFormat.blockSize - endOffset % WALFormat.blockSize
        if gap == room && room < header {
            (storage.baseAddress! + count).initializeMemory(as: UInt8.self, repeating: 0, count: room)
            count += room
            return false
        }
        // The next boundary is not the block's end here (or a header fits), so the one after it
        // is still inside the block.
        if gap < header { gap += alignment }
        (storage.baseAddress! + count + header).initializeMemory(as: UInt8.self, repeating: 0, count: gap - header)
        closeFragment(type: .padding, flags: flags, lsn: 0, length: gap - header)
        return true
    }

    /// Drops the first `n` bytes (written), keeping the rest at the front.
    func removeFirst(_ n: Int) {
        precondition(n <= count, "WAL buffer: removing \(n) of \(count) bytes")
        if n < count { (storage.baseAddress!).copyMemory(from: storage.baseAddress! + n, byteCount: count - n) }
        count -= n
        fileOffset += n
    }

    /// Frames one record with `lsn`; `flags` go on its first fragment.
    func append(_ record: some WALRecordBody, lsn: UInt64, flags: UInt8) {
        let length = record.walByteCount
        let header = WALFormat.fragmentHeaderSize
        // Each fragment brings a header and may follow up to a header's worth of padding; a
        // record makes at most one fragment per block plus a leading empty one.
        reserve(length + (length / (WALFormat.blockSize - header) + 2) * 2 * header)
        let room = WALFormat.blockSize - endOffset % WALFormat.blockSize
        if room >= header && length <= room - header {
            record.writeWALBody(to: UnsafeMutableRawBufferPointer(start: storage.baseAddress! + count + header, count: length))
            closeFragment(type: .full, flags: flags, lsn: lsn, length: length)
            return
        }
        if scratch.count < length {
            scratch.deallocate()
            scratch = .allocate(byteCount: max(length, 2 * scratch.count), alignment: 16)
        }
        let body = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<length])
        record.writeWALBody(to: body)
        frame(UnsafeRawBufferPointer(body), lsn: lsn, flags: flags)
    }

    /// Copies `record` into fragments: headers where blocks start, zeros where a block's tail
    /// cannot hold a header.
    private func frame(_ record: UnsafeRawBufferPointer, lsn: UInt64, flags: UInt8) {
        let header = WALFormat.fragmentHeaderSize
        var remaining = record
        var first = true
        while true {
            let room = WALFormat.blockSize - endOffset % WALFormat.blockSize
            if room < header {
                (storage.baseAddress! + count).initializeMemory(as: UInt8.self, repeating: 0, count: room)
                count += room
                continue
            }
            let length = min(remaining.count, room - header)
            let isLast = length == remaining.count
            if length > 0 {
                UnsafeMutableRawBufferPointer(start: storage.baseAddress! + count + header, count: length)
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: remaining[0..<length]))
            }
            let type: WALFormat.FragmentType = first ? (isLast ? .full : .first) : (isLast ? .last : .middle)
            closeFragment(type: type, flags: first ? flags : 0, lsn: lsn, length: length)
            if isLast { return }
            remaining = UnsafeRawBufferPointer(rebasing: remaining[length...])
            first = false
        }
    }

    /// Writes the header in front of the `length` body bytes already at `count + header`,
    /// with its checksum over the header's other fields and the body.
    private func closeFragment(type: WALFormat.FragmentType, flags: UInt8, lsn: UInt64, length: Int) {
        let start = storage.baseAddress! + count
        start.storeBytes(of: UInt16(length).littleEndian, toByteOffset: 4, as: UInt16.self)
        start.storeBytes(of: type.rawValue, toByteOffset: 6, as: UInt8.self)
        start.storeBytes(of: flags, toByteOffset: 7, as: UInt8.self)
        start.storeBytes(of: lsn.littleEndian, toByteOffset: 8, as: UInt64.self)
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(start: start + 4, count: WALFormat.fragmentHeaderSize - 4 + length))
        start.storeBytes(of: crc.littleEndian, as: UInt32.self)
        count += WALFormat.fragmentHeaderSize + length
    }

    /// Room for `extra` more bytes, keeping what is framed.
    private func reserve(_ extra: Int) {
        guard count + extra > storage.count else { return }
        let grown = UnsafeMutableRawBufferPointer.allocate(
            byteCount: max(count + extra, 2 * storage.count, 64 << 10), alignment: directIOAlignment)
        if count > 0 { grown.copyMemory(from: bytes) }
        storage.deallocate()
        storage = grown
    }
}
