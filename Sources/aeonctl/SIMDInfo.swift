import Aeon
import ArgumentParser

struct SIMDInfo: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "simd", abstract: "Print the SIMD levels of this CPU.")
    func run() throws {
        print("best: \(SIMDLevel.best), supported: \(SIMDLevel.supported)")
    }
}
