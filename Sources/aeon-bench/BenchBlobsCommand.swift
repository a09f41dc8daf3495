import Aeon
import AeonBenchmarks
import AeonCommandSupport
import ArgumentParser
import Foundation

/// `aeon-bench blobs`: the blob arena's throughput, latency, compression and collection.
struct BenchBlobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blobs",
        abstract: "Measure blob puts and gets per payload size, LZ4 on real texts, and garbage collection.",
        discussion: """
            Puts 50,000 payloads of 100 B, 20,000 of 4 KiB and 200 of 1 MiB (text, a sync per \
            1000), then gets as many at random; measures LZ4's ratio and speed on --texts (one \
            payload per line, and 4 KiB packs); then collects 64 MiB of 4 KiB payloads, half of \
            them dead, while a thread reads live ones, beside the same reader on the idle arena.

            Example:
              swift run -c release aeon-bench blobs --texts ../shared/datasets/wn-minilm384/base.txt --json
            """
    )

    @Option(name: .long, help: "A text file, one payload per line (default: the sample shipped with aeonctl).")
    var texts: String?

    @Option(name: .long, help: "Directory for the arenas (default: a temporary directory, removed afterwards).")
    var dir: String?

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    func run() throws {
        try withBenchmarkDirectory(dir, name: "blobs") { directory in
            // By default the sample shipped in the source tree (aeonctl bundles it; this tool is
            // run from a checkout).
            let source = texts ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/../aeonctl/Sample/base.txt"
            guard let data = FileManager.default.contents(atPath: source) else {
                printError("cannot read the texts (\(texts ?? "the bundled sample"))")
                throw ExitCode(ExitStatus.io)
            }
            let lines = data.split(separator: 10).map { Array($0) }
            let report = try reportingErrors {
                try BlobBenchmark(directory: directory, texts: lines).run(progress: { if !json { printNote($0) } })
            }
            if json { try printJSON(report) }
        }
    }
}
