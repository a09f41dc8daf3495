import Aeon
import ArgumentParser
import Foundation

/// `aeonctl import`: build a store's index from a vector file.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Build a store from a .fvecs file (ids are row numbers), replacing its contents.",
        discussion: """
            Creates the store when the directory is missing or empty. Each vector's id is its row \
            number in the file (0, 1, 2, …); with --text, line i of the text file becomes row i's payload.

            Examples:
              aeonctl import memories base.fvecs --text base.txt
              aeonctl import memories base.fvecs --metric l2 --json
            """
    )

    @Argument(help: "The store directory.")
    var store: String

    @Argument(help: "The vectors: a TexMex .fvecs file.")
    var file: String

    @Option(name: .long, help: "A text file whose lines are the payloads, one per vector.")
    var text: String?

    @Option(name: .long, help: "The metric when creating the store: cosine, ip or l2.")
    var metric: String = "cosine"

    @Option(name: .long, help: "Import only the first N vectors.")
    var limit: Int?

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    @OptionGroup var buildOptions: BuildOptions

    func validate() throws {
        guard Metric(name: metric) != nil else { throw ValidationError("unknown metric '\(metric)' (cosine, ip, l2)") }
        guard file.hasSuffix(".fvecs") else {
            throw ValidationError("only .fvecs files can be imported so far: \(file)")
        }
        if let limit, limit < 0 { throw ValidationError("--limit must be ≥ 0") }
    }

    func run() throws {
        let clock = ContinuousClock()
        let readStart = clock.now
        let vectors = try reportingErrors { try TexMexFile.readFloats(file, limit: limit) }
        guard let dimension = vectors.first?.count else {
            printError("\(file) holds no vectors")
            throw ExitCode(ExitStatus.usage)
        }
        var texts: [Substring]? = nil
        if let text {
            guard let contents = try? String(contentsOfFile: text, encoding: .utf8) else {
                printError("cannot read the text file \(text)")
                throw ExitCode(ExitStatus.io)
            }
            let lines = contents.split(separator: "\n", omittingEmptySubsequences: false)
            guard lines.count >= vectors.count else {
                printError("\(text) has \(lines.count) lines for \(vectors.count) vectors")
                throw ExitCode(ExitStatus.usage)
            }
            texts = lines
        }
        let records = vectors.enumerated().map { row, vector in
            Record(id: UInt64(row), vector: vector, payload: texts.map { Array($0[row].utf8) })
        }
        let readSeconds = seconds(clock.now - readStart)

        let buildStart = clock.now
        let (statistics, level) = try reportingErrors {
            let store = try AeonStore.open(at: store, options: StoreOptions(dimension: dimension, metric: Metric(name: metric), build: buildOptions.parameters))
            try store.build(records)
            let statistics = try store.statistics
            try store.close()
            return (statistics, store.kernels.level)
        }
        let buildSeconds = seconds(clock.now - buildStart)
        if json {
            print(
                "{\"records\":\(statistics.records),\"postings\":\(statistics.postings),"
                    + "\"replication\":\(statistics.replicationFactor),\"build_s\":\(buildSeconds),"
                    + "\"read_s\":\(readSeconds),\"index_bytes\":\(statistics.indexBytes),\"simd_level\":\"\(level)\"}")
        } else {
            print(
                "imported \(statistics.records) vectors (\(dimension)-d) into \(store): \(statistics.postings) postings, "
                    + "replication \(String(format: "%.2f", statistics.replicationFactor)), "
                    + "index \(statistics.indexBytes >> 20) MiB, built in \(String(format: "%.2f", buildSeconds)) s")
        }
    }
}

/// Seconds in a `Duration`.
func seconds(_ duration: Duration) -> Double {
    let (whole, attoseconds) = duration.components
    return Double(whole) + Double(attoseconds) / 1e18
}
