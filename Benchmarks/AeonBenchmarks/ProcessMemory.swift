#if canImport(Glibc)
import Glibc
#endif

/// This process's resident memory, from `/proc/self/status` (Linux; `nil` elsewhere).
public struct ProcessMemory: Sendable, Codable {
    /// Resident anonymous memory (heap, stacks): what the engine allocates.
    public var anonymousBytes: Int
    /// Resident file-backed memory (mapped index pages, the binary): the page cache's to evict.
    public var fileBytes: Int

    /// The current figures, or `nil` when the platform does not report them.
    public static func current() -> ProcessMemory? {
        #if os(Linux)
        guard let file = fopen("/proc/self/status", "r") else { return nil }
        defer { fclose(file) }
        var anonymous: Int?, mapped: Int?
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            func kilobytes() -> Int? { text.split(separator: " ").compactMap { Int($0) }.first.map { $0 * 1024 } }
            if text.hasPrefix("RssAnon:") { anonymous = kilobytes() }
            if text.hasPrefix("RssFile:") { mapped = kilobytes() }
        }
        guard let anonymous, let mapped else { return nil }
        return ProcessMemory(anonymousBytes: anonymous, fileBytes: mapped)
        #else
        return nil
        #endif
    }
}
