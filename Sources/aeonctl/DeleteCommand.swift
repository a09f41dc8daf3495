import Aeon
import AeonCommandSupport
import ArgumentParser
import Foundation

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
