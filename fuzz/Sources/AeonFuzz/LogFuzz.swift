@testable import Aeon

/// A log segment's bytes, checksums recomputed: replay it strictly and in salvage mode, decode
/// every record as a store would; then open it as a writer, append, and find the appended
/// record on the next replay (what recovery keeps, appending must continue after).
enum LogFuzz {
    static func run(_ input: [UInt8]) {
        var bytes = input
        Reseal.logSegment(&bytes)
        let header = bytes.withUnsafeBytes { WALFormat.parseSegmentHeader($0) }
        let directory = Scratch.directory("wal")
        Scratch.write(directory + "/" + StoreFileNames.logSegment(header?.sequence ?? 1), bytes)
        let identity = header?.identity
        for mode in [WALRecoveryMode.strict, .salvage] {
            _ = try? WriteAheadLog.replay(directory: directory, checkpoint: 0, mode: mode, identity: identity) { (lsn, record) throws(AeonError) in
                _ = try? LogRecord.decode(record, lsn: lsn, dimension: SeedStore.dimension, metric: .l2, path: directory)
            }
        }
        let appended: [UInt8] = Array("appended after recovery".utf8)
        guard let log = try? WriteAheadLog(directory: directory, options: WriteAheadLog.Options(recovery: .salvage, identity: identity)) else {
            return
        }
        // `.none`: a synchronous append would zero-fill a megabyte ahead, which every replay then reads.
        guard let lsns = try? log.append(records: [appended], durability: .none) else {
            try? log.close()
            return
        }
        try? log.close()
        var found: [UInt8]? = nil
        do {
            _ = try WriteAheadLog.replay(directory: directory, checkpoint: 0, mode: .salvage, identity: identity) { (lsn, record) throws(AeonError) in
                if lsn == lsns.lowerBound { found = record }
            }
        } catch {
            finding("a log that a writer opened and appended to does not replay: \(error)")
        }
        if found != appended { finding("record \(lsns.lowerBound), appended after recovery, replays as \(String(describing: found))") }
    }

    static func seeds() -> [[UInt8]] {
        let path = SeedStore.make(at: Scratch.root + "/seed-wal", layers: false)
        // Without the zero fill past the last record (recovery reads zeros as the end).
        return Scratch.list(path + "/wal").map { name in
            var bytes = Scratch.read(path + "/wal/" + name)
            while bytes.count > WALFormat.identifiedHeaderSize && bytes.last == 0 { bytes.removeLast() }
            return bytes
        }
    }
}
