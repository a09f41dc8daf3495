import Aeon
import ArgumentParser

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The documented exit codes of aeonctl and aeon-bench.
package enum ExitStatus {
    package static let corrupt: Int32 = 1
    package static let usage: Int32 = 2
    package static let io: Int32 = 3
    package static let locked: Int32 = 4
    package static let notFound: Int32 = 5

    /// The exit code for an engine error.
    package static func code(for error: AeonError) -> Int32 {
        switch error.code {
        case .corrupt, .compression: corrupt
        case .io, .noSpace: io
        case .notFound: notFound
        case .locked: locked
        default: usage
        }
    }
}

/// Runs `body`; an `AeonError` becomes one line on stderr and its documented exit code, never
/// a crash trace.
package func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as AeonError {
        printError(error.description)
        throw ExitCode(ExitStatus.code(for: error))
    }
}

/// Writes `<tool>: error: <message>` to stderr.
package func printError(_ message: String) {
    printNote("\(toolName): error: \(message)")
}

/// The running tool's name, as invoked (`aeonctl`, `aeon-bench`).
package let toolName: String = {
    let path = CommandLine.arguments.first ?? "aeon"
    return path.split(separator: "/").last.map(String.init) ?? path
}()

/// Ends the process with `status` (the C library's `exit`, which `ParsableCommand` shadows).
private func terminate(_ status: Int32) -> Never {
    exit(status)
}

extension ParsableCommand {
    /// Parses and runs the command, mapping ArgumentParser's usage failures (EX_USAGE, 64)
    /// to the documented usage exit code.
    package static func mainMappingUsage() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                printNote(fullMessage(for: error))
                terminate(ExitStatus.usage)
            }
            exit(withError: error)
        }
    }
}

/// Writes a line to stderr (progress and notes that must not mix with JSON on stdout).
package func printNote(_ message: String) {
    writeAll(message + "\n", to: STDERR_FILENO)
}

/// Writes all of `text` to `fd` now, unbuffered (continuing after short writes).
package func writeAll(_ text: String, to fd: Int32) {
    var text = text
    text.withUTF8 { bytes in
        var rest = UnsafeRawBufferPointer(bytes)
        while !rest.isEmpty {
            let n = write(fd, rest.baseAddress, rest.count)
            guard n > 0 else { return }
            rest = UnsafeRawBufferPointer(rebasing: rest[n...])
        }
    }
}
