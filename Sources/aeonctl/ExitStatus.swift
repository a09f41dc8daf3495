import Aeon
import ArgumentParser

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// aeonctl's documented exit codes.
enum ExitStatus {
    static let corrupt: Int32 = 1
    static let usage: Int32 = 2
    static let io: Int32 = 3
    static let locked: Int32 = 4
    static let notFound: Int32 = 5

    /// The exit code for an engine error.
    static func code(for error: AeonError) -> Int32 {
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
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as AeonError {
        printError(error.description)
        throw ExitCode(ExitStatus.code(for: error))
    }
}

/// Writes `aeonctl: error: <message>` to stderr.
func printError(_ message: String) {
    printNote("aeonctl: error: \(message)")
}

/// Writes a line to stderr (progress and notes that must not mix with JSON on stdout).
func printNote(_ message: String) {
    writeAll(message + "\n", to: STDERR_FILENO)
}

/// Writes all of `text` to `fd` now, unbuffered (continuing after short writes).
func writeAll(_ text: String, to fd: Int32) {
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
