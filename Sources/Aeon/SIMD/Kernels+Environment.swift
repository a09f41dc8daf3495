#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Kernels {
    /// The kernels the `AEON_SIMD` environment variable asks for, or ``best`` when it is unset
    /// or empty.
    ///
    /// - Parameter environment: the variables to read; `nil` reads the process environment.
    /// - Throws: ``AeonError/Code/invalidArgument`` for a name that is no level;
    ///   ``AeonError/Code/unsupportedCPU`` for a level the CPU lacks.
    package static func fromEnvironment(_ environment: [String: String]? = nil) throws(AeonError) -> Kernels {
        let value: String?
        if let environment {
            value = environment[environmentVariable]
        } else {
            value = getenv(environmentVariable).map { String(cString: $0) }
        }
        guard let name = value?.lowercased(), !name.isEmpty else { return .best }
        guard let level = SIMDLevel(rawValue: name) else {
            throw AeonError(
                .invalidArgument,
                "\(environmentVariable)=\(name) names no SIMD level (known: "
                    + SIMDLevel.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        do {
            return try Kernels(level: level)
        } catch {
            throw AeonError(error.code, "\(environmentVariable)=\(name): \(error.message)")
        }
    }
}
