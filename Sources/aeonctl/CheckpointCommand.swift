import Aeon
import AeonCommandSupport
import ArgumentParser
import Foundation

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
