import Aeon
import AeonCommandSupport
import ArgumentParser
import Foundation

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
            throw ExitCode(ExitStatus.notFound)
        }
        if json {
            let vector = record.vector.map(jsonNumber).joined(separator: ",")
            let payload = record.payload.map { p in String(validating: p, as: UTF8.self).map(jsonString) ?? "null" } ?? "null"
            print("{\"id\":\(record.id),\"vector\":[\(vector)],\"payload\":\(payload),\"payload_bytes\":\(record.payload?.count ?? 0)}")
        } else {
            print("id       \(record.id)")
            print("vector   [" + record.vector.prefix(8).map { String(format: "%.4f", $0) }.joined(separator: ", ") + (record.vector.count > 8 ? ", … (\(record.vector.count) values)]" : "]"))
            print("payload  " + (record.payload == nil ? "(none)" : payloadText(record.payload, limit: 10_000)))
        }
    }
}
