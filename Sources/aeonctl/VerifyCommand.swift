import Aeon
import AeonCommandSupport
import ArgumentParser
import Foundation

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
