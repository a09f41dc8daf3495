import Aeon
import AeonCommandSupport
import ArgumentParser
import Foundation

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
    // `.unconditional`: "--k -5" is a bad value, not a missing one.
    @Option(name: .long, parsing: .unconditional, help: "The row of --fvecs (from 0).") var row = 0
    @Option(name: .long, parsing: .unconditional, help: "Results (at least 1).") var k = 10
    @Option(name: .long, parsing: .unconditional, help: "Postings to probe (default: the store's default).") var nprobe: Int?
    @Flag(name: .long, help: "Print one JSON object.") var json = false

    func validate() throws {
        if id != nil && fvecs != nil { throw ValidationError("give --id or --fvecs, not both") }
        if k < 1 { throw ValidationError("--k must be at least 1 (got \(k))") }
        if row < 0 { throw ValidationError("--row must be ≥ 0 (got \(row))") }
        if let nprobe, nprobe < 1 { throw ValidationError("--nprobe must be at least 1 (got \(nprobe))") }
    }

    func run() throws {
        let s = try openStore(store)
        let query: [Float]
        if let id {
            guard let record = try reportingErrors({ try s.get(id: id) }) else {
                printError("no record with id \(id)")
                throw ExitCode(ExitStatus.notFound)
            }
            query = record.vector
        } else if let fvecs {
            let vectors = try reportingErrors { try TexMexFile.readFloats(fvecs, limit: row < Int.max ? row + 1 : row) }
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
                return "{\"id\":\(hit.id),\"score\":\(jsonNumber(hit.score)),\"text\":\(text)}"
            }
            print("{\"results\":[\(items.joined(separator: ","))]}")
        } else {
            for (rank, (hit, record)) in zip(hits, records).enumerated() {
                print(String(format: "%3d  %8.4f  %-10llu  ", rank + 1, hit.score, hit.id) + payloadText(record?.payload))
            }
        }
    }
}
