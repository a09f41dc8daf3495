#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The target this process fuzzes, chosen by `AEON_FUZZ_TARGET` before the first input.
nonisolated(unsafe) private var target: FuzzTarget?

/// libFuzzer calls this once, before any input: picks the target and, with
/// `AEON_FUZZ_SEEDS=dir`, writes its seed inputs there (real files the library writes).
@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>)
    -> CInt
{
    guard let name = getenv("AEON_FUZZ_TARGET").map({ String(cString: $0) }), let chosen = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: " ")
        let message = Array("AeonFuzz: set AEON_FUZZ_TARGET to one of: \(names)\n".utf8)
        _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        exit(2)
    }
    target = chosen
    if let seeds = getenv("AEON_FUZZ_SEEDS").map({ String(cString: $0) }) {
        for (i, seed) in chosen.seeds().enumerated() { Scratch.write(seeds + "/seed-\(i)", seed) }
    }
    return 0
}

/// One input: any bytes. A finding is a trap (`fatalError`), which libFuzzer records.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    target?.run(bytes)
    return 0
}

/// libFuzzer's driver, for a program with a main of its own.
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The program's entry point: SwiftPM names an executable target's main `<Target>_main` and
/// points `main` at it, so libFuzzer's own main is never linked; this hands over to its driver.
@_cdecl("AeonFuzz_main")
public func aeonFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return runDriver(&count, &arguments) { data, size in fuzzerTestOneInput(data, size) }
}
