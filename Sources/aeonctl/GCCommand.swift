import Aeon
import AeonCommandSupport
import ArgumentParser
import Foundation

/// `aeonctl gc`.
struct GCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Reclaim the space of deleted and replaced payloads in the blob arena.",
        discussion: """
            Checkpoints, then copies the live payloads out of every blob segment whose dead share \
            is at least --ratio, publishes their new locations with a checkpoint, and deletes the \
            old segments. Crash-safe at every step: an interrupted collection loses nothing.

            Examples:
              aeonctl gc memories
              aeonctl gc memories --ratio 0.2 --json
            """
    )

    @Argument(help: "The store directory.") var store: String

    @Option(name: .long, help: "Collect segments at least this share dead (0...1).")
    var ratio = 0.5

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard (0...1).contains(ratio) else { throw ValidationError("--ratio must be in 0...1") }
    }

    func run() throws {
        let s = try openStore(store, write: true)
        let report = try reportingErrors { try s.collectGarbage(garbageRatio: ratio) }
        try reportingErrors { try s.close() }
        if json {
            try printJSON(report)
        } else {
            print(
                "collected \(report.segmentsCollected) segments (\(report.segmentsUnreferenced) unreferenced removed), moved "
                    + "\(report.blobsMoved) blobs (\(report.bytesCopied >> 10) KiB) in \(String(format: "%.2f", report.seconds)) s: blob files "
                    + "\(report.fileBytesBefore >> 10) KiB → \(report.fileBytesAfter >> 10) KiB, live \(report.liveBytes >> 10) KiB")
        }
    }
}
