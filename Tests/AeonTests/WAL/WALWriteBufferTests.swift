import Testing
@testable import Aeon

@Suite("write-ahead log framing")
struct WALWriteBufferTests {
    /// Reassembles the records framed in `bytes` (written at file offset `offset`) the way
    /// recovery reads them: (lsn, flags of the first fragment, body).
    static func parse(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> [(UInt64, UInt8, [UInt8])]? {
        // Parse at the buffer's file position: pad a copy with `offset` leading bytes.
        let file = [UInt8](repeating: 0, count: offset) + Array(bytes)
        return file.withUnsafeBytes { raw -> [(UInt64, UInt8, [UInt8])]? in
            var records: [(UInt64, UInt8, [UInt8])] = []
            var position = offset
            var open: (UInt64, UInt8, [UInt8])?
            while position < raw.count {
                let room = WALFormat.blockSize - position % WALFormat.blockSize
                if room < WALFormat.fragmentHeaderSize {
                    guard raw[position..<(position + room)].allSatisfy({ $0 == 0 }) else { return nil }
                    position += room
                    continue
                }
                guard let fragment = WALFormat.fragment(in: raw, at: position) else { return nil }
                switch fragment.type {
                case .padding:
                    guard open == nil, fragment.body.allSatisfy({ $0 == 0 }) else { return nil }
                    position += fragment.size
                    continue
                case .full, .first:
                    guard open == nil else { return nil }
                    open = (fragment.lsn, fragment.flags, Array(fragment.body))
                case .middle, .last:
                    guard open?.0 == fragment.lsn, fragment.flags == 0 else { return nil }
                    open!.2 += Array(fragment.body)
                }
                if fragment.type == .full || fragment.type == .last {
                    records.append(open!)
                    open = nil
                }
                position += fragment.size
            }
            return open == nil ? records : nil
        }
    }

    @Test("records of every size, starting anywhere in a block, frame into fragments that read back byte for byte")
    func framing() throws {
        let block = WALFormat.blockSize
        let header = WALFormat.fragmentHeaderSize
        let sizes = [0, 1, 9, 1_557, block - 2 * header, block - header - 1, block - header, block - header + 1, block, 3 * block + 5]
        // Starts: the segment header, a block's end (no room for a header, exactly a header's
        // room, a header and a byte), and the middle.
        let starts = [WALFormat.segmentHeaderSize, block - header + 3, block - header, block - header - 1, block + 10_000]
        let buffer = WALWriteBuffer()
        for start in starts {
            buffer.reset(at: start)
            var expected: [(UInt64, UInt8, [UInt8])] = []
            var lsn: UInt64 = 100
            for size in sizes + sizes.reversed() {
                let body = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ Int(lsn)) }
                let flags: UInt8 = lsn % 3 == 0 ? WALFormat.afterSyncFlag : 0
                buffer.append(body, lsn: lsn, flags: flags)
                expected.append((lsn, flags, body))
                lsn += 1
            }
            let records = try #require(Self.parse(buffer.bytes, at: start), "start \(start)")
            #expect(records.count == expected.count)
            for (got, want) in zip(records, expected) {
                #expect(got.0 == want.0 && got.1 == want.1 && got.2 == want.2, "start \(start), lsn \(want.0)")
            }
        }
        // A buffer emptied and reused frames from its new start only.
        buffer.reset(at: 64)
        buffer.append([7, 7, 7], lsn: 1, flags: 0)
        #expect(buffer.count == header + 3 && buffer.endOffset == 64 + header + 3)
    }

    @Test("padding ends the buffer on a page boundary from any offset, and records read back across it")
    func padding() throws {
        let block = WALFormat.blockSize, header = WALFormat.fragmentHeaderSize, page = directIOAlignment
        let buffer = WALWriteBuffer()
        // Offsets just before page and block boundaries (gaps shorter than a header, exactly a
        // header, a block's end too short for one), on a boundary, and in the middle.
        let starts = [32, page - header, page - header + 1, page - 1, page, block - 5, block - header, block - page - 3, 3 * block + 777]
        for start in starts {
            buffer.reset(at: start)
            buffer.append([1, 2, 3], lsn: 5, flags: WALFormat.afterSyncFlag)
            buffer.pad(toMultipleOf: page, flags: 0)
            #expect(buffer.endOffset % page == 0, "start \(start)")
            #expect(buffer.endOffset - (start + header + 3) < page + header, "start \(start): padded at most a page and a header")
            let boundary = buffer.endOffset
            buffer.append(Array(repeating: 6, count: 5000), lsn: 6, flags: 0)
            buffer.pad(toMultipleOf: page, flags: 0)
            let records = try #require(Self.parse(buffer.bytes, at: start), "start \(start)")
            #expect(records.map(\.0) == [5, 6] && records[1].2.count == 5000, "start \(start)")
            // Padding an aligned buffer adds nothing.
            let before = buffer.count
            buffer.pad(toMultipleOf: page, flags: 0)
            #expect(buffer.count == before && boundary % page == 0)
        }
        // Removing written pages keeps the rest at the front, at its file offset.
        buffer.reset(at: 0)
        buffer.append(Array(repeating: 9, count: 10_000), lsn: 1, flags: 0)
        let tail = Array(buffer.bytes[page...])
        buffer.removeFirst(page)
        #expect(buffer.fileOffset == page && Array(buffer.bytes) == tail)
    }

    @Test("a batch frames its records with consecutive LSNs and the flags on the first only, a chunk at a time")
    func batch() throws {
        let buffer = WALWriteBuffer()
        let records: [[UInt8]] = [[1], [], [2, 3], Array(repeating: 9, count: 40_000), [4]]
        // Whole, then in chunks of at least 2 bytes (resuming where the last one stopped).
        for limit in [Int.max, 2] {
            buffer.reset(at: WALFormat.segmentHeaderSize)
            var file = [UInt8](repeating: 0, count: WALFormat.segmentHeaderSize)
            var next = 0, chunks = 0
            while next < records.count {
                next = records.frame(into: buffer, firstLSN: 7, flags: WALFormat.afterSyncFlag, from: next, limit: limit)
                file += Array(buffer.bytes)
                buffer.reset(at: buffer.endOffset)
                chunks += 1
            }
            #expect(chunks == (limit == .max ? 1 : records.count))
            let parsed = try #require(file.withUnsafeBytes { Self.parse(UnsafeRawBufferPointer(rebasing: $0[WALFormat.segmentHeaderSize...]), at: WALFormat.segmentHeaderSize) })
            #expect(parsed.map(\.0) == [7, 8, 9, 10, 11])
            #expect(parsed.map(\.1) == [WALFormat.afterSyncFlag, 0, 0, 0, 0])
            #expect(parsed.map(\.2) == records)
        }
    }

    @Test("store log records encode to their documented layout and decode to themselves")
    func logRecords() throws {
        let records: [LogRecord] = [
            .upsert(id: 42, vector: [1, -2.5, .leastNonzeroMagnitude], payload: nil),
            .upsert(id: .max, vector: [0, 3], payload: []),
            .upsert(id: 7, vector: [0.25], payload: Array(0..<200)),
            .delete(id: 9),
        ]
        for record in records {
            let bytes = record.encoded()
            #expect(bytes.count == record.walByteCount)
            let dimension: Int
            if case .upsert(_, let vector, _) = record { dimension = vector.count } else { dimension = 1 }
            #expect(try LogRecord.decode(bytes, lsn: 1, dimension: dimension, metric: .l2, path: "test") == record)
        }
        // FORMAT.md: kind 1, id, dimension, floats, has-payload, payload length, payload.
        #expect(LogRecord.upsert(id: 1, vector: [1], payload: [0xAB]).encoded()
            == [1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0x80, 0x3F, 1, 1, 0, 0, 0, 0xAB])
        #expect(LogRecord.delete(id: 0x0102).encoded() == [2, 2, 1, 0, 0, 0, 0, 0, 0])
    }
}

extension LogRecord {
    /// The encoded record, as the log stores it.
    func encoded() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: walByteCount) { buffer, initialized in
            writeWALBody(to: UnsafeMutableRawBufferPointer(buffer))
            initialized = buffer.count
        }
    }
}
