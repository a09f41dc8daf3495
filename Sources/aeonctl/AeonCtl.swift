import ArgumentParser

@main
struct AeonCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aeonctl",
        abstract: "Inspect, verify, benchmark and maintain Aeon stores.",
        subcommands: [SIMDInfo.self]
    )
}
