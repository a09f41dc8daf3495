import Aeon
import ArgumentParser
import Foundation

/// Opens a store for a command: read-only unless the command writes; every failure is one line
/// and its exit code.
package func openStore(_ path: String, write: Bool = false) throws -> AeonStore {
    try reportingErrors { try AeonStore.open(at: path, options: StoreOptions(readOnly: !write, createIfMissing: false)) }
}

/// A payload as text when it is UTF-8, else its size.
package func payloadText(_ payload: [UInt8]?, limit: Int = 100) -> String {
    guard let payload else { return "" }
    guard let text = String(validating: payload, as: UTF8.self) else { return "<\(payload.count) bytes>" }
    return text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
}

/// Runs `body` with a benchmark's working directory: `given` (replaced by an empty one) if set,
/// else a new one under the temporary directory, removed afterwards.
package func withBenchmarkDirectory<R>(_ given: String?, name: String, _ body: (String) throws -> R) throws -> R {
    let directory = given ?? NSTemporaryDirectory() + "aeon-bench-\(name)-\(getpid())"
    if FileManager.default.fileExists(atPath: directory) { try FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { if given == nil { try? FileManager.default.removeItem(atPath: directory) } }
    return try body(directory)
}

/// Prints a benchmark report as one JSON object with sorted keys.
package func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// A number as JSON: JSON has no infinity or NaN, so those (which only damaged data can give)
/// print as `null`, never as invalid JSON.
package func jsonNumber(_ value: Float) -> String {
    value.isFinite ? "\(value)" : "null"
}

package func jsonString(_ text: String) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
    return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
}

/// A one-line progress display on stderr, redrawn in place, for terminals only.
package final class ProgressLine {
    package let enabled: Bool
    package init(enabled: Bool) { self.enabled = enabled }
    package func show(_ text: String) { if enabled { writeAll("\r\u{1B}[2K" + text, to: STDERR_FILENO) } }
    package func clear() { if enabled { writeAll("\r\u{1B}[2K", to: STDERR_FILENO) } }
}

/// Seconds in a `Duration`.
package func seconds(_ duration: Duration) -> Double {
    let (whole, attoseconds) = duration.components
    return Double(whole) + Double(attoseconds) / 1e18
}
