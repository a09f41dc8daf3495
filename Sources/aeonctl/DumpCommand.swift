import Aeon
import AeonCommandSupport
import ArgumentParser
import Foundation

/// `aeonctl dump`: a page, a posting, or the log's records, human-readable.
struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print a page, a posting, or the write-ahead log's records, human-readable.",
        discussion: """
            Opens the store read-only.

            Examples:
              aeonctl dump memories --posting 12
              aeonctl dump memories --page 3 --file records
              aeonctl dump memories --wal --limit 20
              aeonctl dump memories --blob 42
            """
    )

    @Argument(help: "The store directory.") var store: String
    @Option(name: .long, help: "Print this posting's entries.") var posting: Int?
    @Option(name: .long, help: "Print this page (hex) and whether its checksum matches.") var page: Int?
    @Option(name: .long, help: "The index file --page reads: postings or records.") var file = "postings"
    @Flag(name: .long, help: "Print the write-ahead log's records.") var wal = false
    @Option(name: .long, help: "Print where record ID's payload lies in the blob arena, and the payload.") var blob: UInt64?
    @Option(name: .long, help: "At most this many log records.") var limit = 100

    func validate() throws {
        if [posting != nil, page != nil, wal, blob != nil].filter({ $0 }).count != 1 {
            throw ValidationError("give exactly one of --posting, --page, --wal, --blob")
        }
        if AeonStore.IndexFile(rawValue: file) == nil { throw ValidationError("--file is postings or records") }
    }

    func run() throws {
        let s = try openStore(store)
        if let posting {
            let dump = try reportingErrors { try s.dumpPosting(posting) }
            let tail = dump.tail.map { ", tail in generation \($0.generation) pages \($0.firstPage)..<\($0.firstPage + $0.pageCount)" } ?? ""
            print(
                "posting \(dump.posting): \(dump.entries.count) entries; head in generation \(dump.generation) pages "
                    + "\(dump.firstPage)..<\(dump.firstPage + dump.pageCount) (capacity \(dump.capacity))\(tail)")
            print("    row         id      scale    ‖x‖²  codes")
            for e in dump.entries {
                print(String(format: "%7d %10llu %10.6f %7.3f  ", e.row, e.id, e.scale, e.squaredNorm) + e.codes.map { "\($0)" }.joined(separator: " "))
            }
        } else if let page {
            let (bytes, matches, path) = try reportingErrors { try s.page(page, of: AeonStore.IndexFile(rawValue: file)!) }
            print("\(path) page \(page) (offset \(page * 4096)): checksum \(page == 0 ? "in the header" : matches ? "matches" : "MISMATCH")")
            for line in stride(from: 0, to: bytes.count, by: 32) {
                let chunk = bytes[line..<(line + 32)]
                if chunk.allSatisfy({ $0 == 0 }) && line > 0 && line + 32 < bytes.count { continue }
                print(String(format: "%04x  ", line) + chunk.map { String(format: "%02x", $0) }.joined(separator: " "))
            }
        } else if wal {
            let entries = try reportingErrors { try s.logEntries(limit: limit) }
            print("     LSN  kind    id          payload  in the index")
            for e in entries {
                let payload = e.payloadBytes.map { "\($0) B" } ?? "-"
                print(String(format: "%8llu  %-6@  %-10llu  %-7@  %@", e.lsn, e.kind as NSString, e.id, payload as NSString, (e.checkpointed ? "yes" : "no") as NSString))
            }
            if entries.isEmpty { print("(the log holds no records)") }
        } else if let blob {
            guard let record = try reportingErrors({ try s.get(id: blob) }) else {
                printError("no record with id \(blob)")
                throw ExitCode(ExitStatus.notFound)
            }
            guard let payload = record.payload, let placement = try reportingErrors({ try s.payloadPlacement(id: blob) }) else {
                print("record \(blob) has no payload")
                return
            }
            if let location = placement.location {
                print("record \(blob): \(placement.length) B payload in the blob arena at \(location)")
            } else {
                print("record \(blob): \(placement.length) B payload, pending in the log (the arena takes it at the next checkpoint)")
            }
            if let text = String(validating: payload, as: UTF8.self) {
                print(text)
            } else {
                for line in stride(from: 0, to: min(payload.count, 4096), by: 32) {
                    let chunk = payload[line..<min(line + 32, payload.count)]
                    print(String(format: "%04x  ", line) + chunk.map { String(format: "%02x", $0) }.joined(separator: " "))
                }
                if payload.count > 4096 { print("… (\(payload.count - 4096) more bytes)") }
            }
        }
    }
}
