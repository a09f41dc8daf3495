import Aeon
import AeonCommandSupport
import ArgumentParser
import Foundation

/// `aeonctl import`: load records from a file into a store.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load records from .fvecs, .npy or JSON Lines into a store (created if missing).",
        discussion: """
            .fvecs and .npy (2-D float32): a record per row, its id the row number (plus \
            --first-id); with --text, line i of the text file is row i's payload. JSON Lines: one \
            object per line with "id" (an integer in 0…2^64−1, written as one), "vector" (numbers \
            float32 can hold) and optionally "text" (a string, stored as UTF-8) or "payload" \
            (padded base64); any other member, or a value of another type, is an error naming \
            the line. Text files are UTF-8 (a leading byte order mark is skipped), with \\n or \\r\\n \
            line ends, one line per vector. Each id may appear once in a file. Into an empty store (or with --replace) the records are built into \
            a fresh index; otherwise they are upserted (replacing records with the same ids) and \
            the store is checkpointed.

            Examples:
              aeonctl import memories base.fvecs --text base.txt
              aeonctl import memories embeddings.npy --metric l2
              aeonctl import memories notes.jsonl --json
            """
    )

    @Argument(help: "The store directory.")
    var store: String

    @Argument(help: "The records: .fvecs, .npy or .jsonl.")
    var file: String

    @Option(name: .long, help: "A text file whose lines are the payloads, one per vector (.fvecs, .npy).")
    var text: String?

    @Option(name: .long, parsing: .unconditional, help: "The id of the first row (.fvecs, .npy).")
    var firstId: UInt64 = 0

    @Option(name: .long, help: "The metric when creating the store: cosine (default), ip or l2; must match an existing store's.")
    var metric: String?

    @Option(name: .long, parsing: .unconditional, help: "Import only the first N records.")
    var limit: Int?

    @Flag(name: .long, help: "Replace the store's contents instead of adding to them.")
    var replace = false

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    @OptionGroup var buildOptions: BuildOptions

    private enum Format { case fvecs, npy, jsonl }

    private var format: Format? {
        if file.hasSuffix(".fvecs") { return .fvecs }
        if file.hasSuffix(".npy") { return .npy }
        if file.hasSuffix(".jsonl") || file.hasSuffix(".ndjson") { return .jsonl }
        return nil
    }

    func validate() throws {
        if let metric, Metric(name: metric) == nil { throw ValidationError("unknown metric '\(metric)' (cosine, ip, l2)") }
        guard let format else { throw ValidationError("\(file): import reads .fvecs, .npy and .jsonl files") }
        if let limit, limit < 0 { throw ValidationError("--limit must be ≥ 0") }
        if text != nil && format == .jsonl { throw ValidationError("--text goes with .fvecs and .npy; JSON Lines carry their own text") }
    }

    func run() throws {
        let clock = ContinuousClock()
        let readStart = clock.now
        let progress = ProgressLine(enabled: !json && isatty(STDERR_FILENO) != 0)
        progress.show("reading \(file)…")
        let records = try readRecords(progress: progress)
        guard let dimension = records.first?.vector.count else {
            progress.clear()
            printError("\(file) holds no records")
            throw ExitCode(ExitStatus.usage)
        }
        let readSeconds = seconds(clock.now - readStart)
        // One record per id in a file, whether it is built or added: the last of two would win
        // silently when adding, and a build refuses them.
        var seen = Set<UInt64>(minimumCapacity: records.count)
        for (i, record) in records.enumerated() where !seen.insert(record.id).inserted {
            progress.clear()
            printError("\(file): record \(i + 1) repeats id \(record.id); each id may appear once in an import")
            throw ExitCode(ExitStatus.usage)
        }

        progress.show("building the index from \(records.count) records…")
        let buildStart = clock.now
        var checkpointError: AeonError?
        let (statistics, level, added) = try reportingErrors {
            let store = try AeonStore.open(
                at: store, options: StoreOptions(dimension: dimension, metric: metric.flatMap(Metric.init(name:)), build: buildOptions.parameters))
            let adding = !replace && store.count > 0
            if adding {
                var index = 0
                do {
                    while index < records.count {
                        let end = min(index + 1000, records.count)
                        try store.upsert(Array(records[index..<end]), durability: .none)
                        progress.show("upserted \(end) of \(records.count) records…")
                        index = end
                    }
                    // Durable in the log before anything else can fail.
                    try store.sync()
                } catch {
                    progress.clear()
                    // Say exactly what is durable: the batches written before the failure, if the
                    // log can still be synced (a failed log refuses, and then none of them is).
                    var durable = 0
                    if index > 0, (try? store.sync()) != nil { durable = index }
                    printError(
                        "importing stopped at record \(index + 1) of \(records.count): \(error); "
                            + (durable > 0 ? "the first \(durable) records (ids \(records[0].id)…\(records[durable - 1].id)) are durable" : "none is durable"))
                    throw error
                }
                do throws(AeonError) {
                    try store.checkpoint()
                } catch {
                    // Every record is durable in the log and replayed on open: the import stands.
                    checkpointError = error
                }
            } else {
                try store.build(records)
            }
            let statistics = try store.statistics
            try store.close()
            return (statistics, store.simdLevel, adding)
        }
        if let checkpointError {
            progress.clear()
            printNote(
                "warning: all \(records.count) records are durable in the log (replayed on every open), but the checkpoint that "
                    + "folds them into the index failed: \(checkpointError). Run 'aeonctl checkpoint \(store)' once that is mended.")
        }
        progress.clear()
        let buildSeconds = seconds(clock.now - buildStart)
        if json {
            print(
                "{\"records\":\(statistics.records),\"imported\":\(records.count),\"postings\":\(statistics.postings),"
                    + "\"replication\":\(statistics.replicationFactor),\"build_s\":\(buildSeconds),"
                    + "\"read_s\":\(readSeconds),\"index_bytes\":\(statistics.indexBytes),\"simd_level\":\"\(level)\","
                    + "\"checkpointed\":\(checkpointError == nil)}")
        } else {
            print(
                "\(added ? "added" : "imported") \(records.count) records (\(dimension)-d) into \(store): \(statistics.records) in all, "
                    + "\(statistics.postings) postings, replication \(String(format: "%.2f", statistics.replicationFactor)), "
                    + "index \(statistics.indexBytes >> 20) MiB, built in \(String(format: "%.2f", buildSeconds)) s")
        }
    }

    private func readRecords(progress: ProgressLine) throws -> [Record] {
        switch format {
        case .fvecs, .npy:
            let vectors = try reportingErrors {
                format == .fvecs ? try TexMexFile.readFloats(file, limit: limit) : try NumpyFile.readFloats(file, limit: limit)
            }
            var texts: [[UInt8]]? = nil
            if let text {
                let lines = try reportingErrors { try TextLines.readUTF8Lines(text) }
                // One line per vector: more lines than vectors (unless --limit took fewer) is a
                // mismatch, not text to drop.
                guard limit == nil ? lines.count == vectors.count : lines.count >= vectors.count else {
                    printError("\(text) has \(lines.count) lines for \(vectors.count) vectors")
                    throw ExitCode(ExitStatus.usage)
                }
                texts = lines
            }
            // The last id must fit: --first-id 2^64 − 1 takes one row, not a wrapped-around second.
            guard vectors.isEmpty || UInt64(vectors.count - 1) <= UInt64.max - firstId else {
                printError("--first-id \(firstId) leaves room for \(UInt64.max - firstId + 1) ids, not \(vectors.count)")
                throw ExitCode(ExitStatus.usage)
            }
            return vectors.enumerated().map { row, vector in
                Record(id: firstId + UInt64(row), vector: vector, payload: texts.map { $0[row] })
            }
        case .jsonl:
            return try reportingErrors {
                try JSONLinesFile.readRecords(file, limit: limit) { count in progress.show("read \(count) records…") }
            }
        case nil:
            return []
        }
    }
}
