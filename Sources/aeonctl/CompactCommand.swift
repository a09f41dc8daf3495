import Aeon
import AeonCommandSupport
import ArgumentParser
import Foundation

/// `aeonctl compact`.
struct CompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Rebuild the index from the live records (rebalances postings, drops deleted records), collect blob garbage, checkpoint.",
        discussion: """
            Also collects the blob arena's garbage at the default ratio (see `aeonctl gc`). \
            Crash-safe: the new index is written and synced before the manifest switches to it, so \
            an interrupted compaction leaves the store as it was.

            Example:
              aeonctl compact memories
            """
    )

    @Argument(help: "The store directory.") var store: String

    func run() throws {
        let s = try openStore(store, write: true)
        let progress = ProgressLine(enabled: isatty(STDERR_FILENO) != 0)
        let before = try reportingErrors { try s.statistics }
        progress.show("rebuilding the index from \(before.records) records…")
        let clock = ContinuousClock()
        let start = clock.now
        let gc = try reportingErrors { try s.compact() }
        progress.clear()
        let after = try reportingErrors { try s.statistics }
        print(
            "compacted in \(String(format: "%.2f", seconds(clock.now - start))) s: \(after.records) records, \(after.postings) postings "
                + "(was \(before.postings)), index \(after.indexBytes >> 10) KiB (was \(before.indexBytes >> 10) KiB), generation \(after.generation); "
                + "blobs \(gc.fileBytesAfter >> 10) KiB (was \(gc.fileBytesBefore >> 10) KiB, \(gc.blobsMoved) moved)")
        try reportingErrors { try s.close() }
    }
}
