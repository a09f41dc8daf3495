import Aeon
import ArgumentParser
import Foundation

/// Opens a store for a command: read-only unless the command writes; every failure is one line
/// and its exit code.
func openStore(_ path: String, write: Bool = false) throws -> AeonStore {
    try reportingErrors { try AeonStore.open(at: path, options: StoreOptions(readOnly: !write, createIfMissing: false)) }
}

/// A payload as text when it is UTF-8, else its size.
func payloadText(_ payload: [UInt8]?, limit: Int = 100) -> String {
    guard let payload else { return "" }
    guard let text = String(validating: payload, as: UTF8.self) else { return "<\(payload.count) bytes>" }
    return text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
}

func jsonString(_ text: String) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
    return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
}

/// `aeonctl info`.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a store: format, dimension, metric, counts, postings, files, log, SIMD level.",
        discussion: """
            Opens the store read-only (it never modifies it).

            Examples:
              aeonctl info memories
              aeonctl info memories --json
            """
    )

    @Argument(help: "The store directory.") var store: String
    @Flag(name: .long, help: "Print one JSON object.") var json = false

    func run() throws {
        let s = try openStore(store)
        let d = try reportingErrors { try s.describe() }
        let st = d.statistics
        if json {
            let files = d.files.map { "{\"name\":\(jsonString($0.name)),\"bytes\":\($0.bytes)}" }.joined(separator: ",")
            print(
                "{\"path\":\(jsonString(s.path)),\"format\":{\"manifest\":\(d.formatVersions.manifest),\"postings\":\(d.formatVersions.postings),"
                    + "\"records\":\(d.formatVersions.records),\"wal\":\(d.formatVersions.log)},\"dimension\":\(s.dimension),"
                    + "\"metric\":\"\(s.metric)\",\"records\":\(st.records),\"indexed_records\":\(st.indexedRecords),"
                    + "\"pending_writes\":\(st.pendingWrites),\"deleted\":\(st.pendingDeletes),\"generation\":\(st.generation),\"postings\":\(st.postings),"
                    + "\"posting_size\":{\"min\":\(d.postingSizes.min),\"median\":\(d.postingSizes.median),\"max\":\(d.postingSizes.max)},"
                    + "\"replication\":\(st.replicationFactor),\"index_bytes\":\(st.indexBytes),\"files\":[\(files)],"
                    + "\"wal\":{\"segments\":\(d.logSegments),\"bytes\":\(d.logBytes),\"checkpoint_lsn\":\(st.checkpointLSN),"
                    + "\"last_lsn\":\(st.lastLSN),\"records_since_checkpoint\":\(st.lastLSN - st.checkpointLSN)},"
                    + "\"blobs\":null,\"lookaside\":null,\"simd_level\":\"\(s.kernels.level)\"}")
            return
        }
        print("store        \(s.path)")
        print("format       manifest v\(d.formatVersions.manifest), postings v\(d.formatVersions.postings), records v\(d.formatVersions.records), WAL v\(d.formatVersions.log)")
        print("vectors      \(s.dimension)-d, metric \(s.metric)")
        print("records      \(st.records) live (\(st.indexedRecords) indexed in generation \(st.generation); since the checkpoint \(st.pendingWrites) ids written, \(st.pendingDeletes) indexed ones deleted)")
        print("postings     \(st.postings): entries min \(d.postingSizes.min) / median \(d.postingSizes.median) / max \(d.postingSizes.max), replication \(String(format: "%.2f", st.replicationFactor))")
        print("files        " + d.files.map { "\($0.name) \($0.bytes) B" }.joined(separator: ", "))
        print("WAL          \(d.logSegments) segment(s), \(d.logBytes) B; checkpoint LSN \(st.checkpointLSN), last LSN \(st.lastLSN) (\(st.lastLSN - st.checkpointLSN) records since)")
        print("blobs        not yet (payloads live in the records file until the blob arena lands)")
        print("lookaside    not yet")
        print("SIMD         \(s.kernels.level)")
    }
}

/// `aeonctl create`.
struct CreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an empty store.",
        discussion: """
            Examples:
              aeonctl create memories --dimension 384
              aeonctl create vectors --dimension 768 --metric l2
            """
    )

    @Argument(help: "The store directory (must not exist, or be empty).") var store: String
    @Option(name: .long, help: "The vector dimension.") var dimension: Int
    @Option(name: .long, help: "The metric: cosine, ip or l2.") var metric = "cosine"

    func validate() throws {
        guard Metric(name: metric) != nil else { throw ValidationError("unknown metric '\(metric)' (cosine, ip, l2)") }
        guard dimension >= 1, dimension <= Kernels.maximumDimension else {
            throw ValidationError("--dimension must be in 1...\(Kernels.maximumDimension)")
        }
    }

    func run() throws {
        if FileManager.default.fileExists(atPath: store + "/MANIFEST") {
            printError("a store already exists at \(store)")
            throw ExitCode(ExitStatus.usage)
        }
        try reportingErrors {
            let s = try AeonStore.open(at: store, options: StoreOptions(dimension: dimension, metric: Metric(name: metric)))
            try s.close()
        }
        print("created \(store): \(dimension)-d, metric \(metric)")
    }
}

/// `aeonctl verify`.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every page, record and log record; exit 0 when clean, 1 listing every problem.",
        discussion: """
            Replays the write-ahead log (strictly: damage followed by durable records is a \
            problem), reads every page of the index files and checks its CRC32C, then the \
            structure: every record reachable from a posting, counts, the id index, payload \
            bounds. Opens the store read-only.

            Examples:
              aeonctl verify memories && echo clean
            """
    )

    @Argument(help: "The store directory.") var store: String

    func run() throws {
        let s: AeonStore
        do {
            s = try AeonStore.open(at: store, options: StoreOptions(readOnly: true, createIfMissing: false))
        } catch {
            print("\(error.path ?? store)\(error.offset.map { " @ \($0)" } ?? ""): \(error.message)")
            printError("verify failed: the store does not open (\(error.code))")
            throw ExitCode(error.code == .corrupt ? ExitStatus.corrupt : ExitStatus.code(for: error))
        }
        let problems = try reportingErrors { try s.verify() }
        for problem in problems {
            print("\(problem.path ?? store)\(problem.offset.map { " @ \($0)" } ?? ""): \(problem.message)")
        }
        if problems.isEmpty {
            print("clean: \(s.count) records, every page checksum and structural check passed, the log replays")
        } else {
            printError("verify found \(problems.count) problem(s)")
            throw ExitCode(ExitStatus.corrupt)
        }
    }
}

/// `aeonctl checkpoint`.
struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Fold the writes since the last checkpoint into the index and trim the log.",
        discussion: "Example:\n  aeonctl checkpoint memories"
    )

    @Argument(help: "The store directory.") var store: String

    func run() throws {
        let s = try openStore(store, write: true)
        try reportingErrors {
            try s.checkpoint()
            let st = try s.statistics
            print("checkpointed: \(st.indexedRecords) records in generation \(st.generation), checkpoint LSN \(st.checkpointLSN)")
            try s.close()
        }
    }
}

/// `aeonctl get`.
struct GetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Print a record: its vector and payload.",
        discussion: "Examples:\n  aeonctl get memories 42\n  aeonctl get memories 42 --json"
    )

    @Argument(help: "The store directory.") var store: String
    @Argument(help: "The record's id.") var id: UInt64
    @Flag(name: .long, help: "Print one JSON object.") var json = false

    func run() throws {
        let s = try openStore(store)
        guard let record = try reportingErrors({ try s.get(id: id) }) else {
            printError("no record with id \(id)")
            throw ExitCode(ExitStatus.io)
        }
        if json {
            let vector = record.vector.map { "\($0)" }.joined(separator: ",")
            let payload = record.payload.map { p in String(validating: p, as: UTF8.self).map(jsonString) ?? "null" } ?? "null"
            print("{\"id\":\(record.id),\"vector\":[\(vector)],\"payload\":\(payload),\"payload_bytes\":\(record.payload?.count ?? 0)}")
        } else {
            print("id       \(record.id)")
            print("vector   [" + record.vector.prefix(8).map { String(format: "%.4f", $0) }.joined(separator: ", ") + (record.vector.count > 8 ? ", … (\(record.vector.count) values)]" : "]"))
            print("payload  " + (record.payload == nil ? "(none)" : payloadText(record.payload, limit: 10_000)))
        }
    }
}

/// `aeonctl delete`.
struct DeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete records by id (synchronously logged).",
        discussion: "Example:\n  aeonctl delete memories 42 43"
    )

    @Argument(help: "The store directory.") var store: String
    @Argument(help: "The ids.") var ids: [UInt64]

    func validate() throws { if ids.isEmpty { throw ValidationError("give at least one id") } }

    func run() throws {
        let s = try openStore(store, write: true)
        try reportingErrors {
            var found = 0
            for id in ids {
                if try s.get(id: id) != nil { found += 1 }
                try s.delete(id: id)
            }
            try s.close()
            print("deleted \(found) of \(ids.count) id(s)")
        }
    }
}

/// `aeonctl search`.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search a store with a query vector: from a record's id, an .fvecs file, or stdin.",
        discussion: """
            The query is the vector of record --id, row --row of --fvecs, or (with neither) numbers \
            on stdin separated by spaces, commas or newlines (a JSON array works too).

            Examples:
              aeonctl search memories --id 42 --k 5
              aeonctl search memories --fvecs queries.fvecs --row 3 --json
              echo "[0.1, 0.2, …]" | aeonctl search memories
            """
    )

    @Argument(help: "The store directory.") var store: String
    @Option(name: .long, help: "Use the vector of this record.") var id: UInt64?
    @Option(name: .long, help: "Read the query from this .fvecs file.") var fvecs: String?
    @Option(name: .long, help: "The row of --fvecs.") var row = 0
    @Option(name: .long, help: "Results.") var k = 10
    @Option(name: .long, help: "Postings to probe (default: the store's default).") var nprobe: Int?
    @Flag(name: .long, help: "Print one JSON object.") var json = false

    func validate() throws {
        if id != nil && fvecs != nil { throw ValidationError("give --id or --fvecs, not both") }
        if k < 0 || row < 0 { throw ValidationError("--k and --row must be ≥ 0") }
    }

    func run() throws {
        let s = try openStore(store)
        let query: [Float]
        if let id {
            guard let record = try reportingErrors({ try s.get(id: id) }) else {
                printError("no record with id \(id)")
                throw ExitCode(ExitStatus.io)
            }
            query = record.vector
        } else if let fvecs {
            let vectors = try reportingErrors { try TexMexFile.readFloats(fvecs, limit: row + 1) }
            guard row < vectors.count else {
                printError("\(fvecs) has \(vectors.count) vectors; no row \(row)")
                throw ExitCode(ExitStatus.usage)
            }
            query = vectors[row]
        } else {
            let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            let fields = input.split { " ,\n\t\r[]".contains($0) }
            let values = fields.map { Float($0) }
            guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else {
                printError("stdin does not hold a list of numbers")
                throw ExitCode(ExitStatus.usage)
            }
            query = values.compactMap { $0 }
        }
        var parameters = SearchParameters.default
        if let nprobe { parameters.nprobe = nprobe }
        let hits = try reportingErrors { try s.search(query, k: k, parameters: parameters) }
        let records = try hits.map { hit in try reportingErrors { try s.get(id: hit.id) } }
        if json {
            let items = zip(hits, records).map { hit, record in
                let text = record?.payload.flatMap { String(validating: $0, as: UTF8.self) }.map(jsonString) ?? "null"
                return "{\"id\":\(hit.id),\"score\":\(hit.score),\"text\":\(text)}"
            }
            print("{\"results\":[\(items.joined(separator: ","))]}")
        } else {
            for (rank, (hit, record)) in zip(hits, records).enumerated() {
                print(String(format: "%3d  %8.4f  %-10llu  ", rank + 1, hit.score, hit.id) + payloadText(record?.payload))
            }
        }
    }
}
