// swift-tools-version: 6.1
//
// Aeon: an embedded vector-memory storage engine.
//
// Targets, from the bottom up:
//   CAeonKernels       C: SIMD kernels (int8/fp32 dot, L2, posting scan, quantizer, CRC32C),
//                      each ISA level under a per-function target attribute, chosen at run time.
//   CLZ4               the system liblz4 (pkg-config `liblz4`).
//   Aeon               the engine (Swift 6, strict concurrency).
//   CAeonBenchSupport  C: machine reference measurements for benchmarks (streaming read).
//   CSQLite            the system SQLite, the peer of the ingest benchmark (benchmarks only).
//   AeonBenchmarks     the benchmark suite that `aeon-bench` runs; never linked into `Aeon`.
//   AeonCommandSupport what both tools share: exit statuses, output helpers, build options.
//   aeonctl            the command-line tool users ship: inspect, verify, maintain.
//   aeon-bench         benchmarks and crash tests (links AeonBenchmarks and SQLite; aeonctl does not).
//   AeonTestSupport    what both test targets share: temporary directories, threads, seeded data.
import PackageDescription

let package = Package(
    name: "Aeon",
    // Only what builds: iOS has no system liblz4 (README, "Platforms").
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Aeon", targets: ["Aeon"]),
        .executable(name: "aeonctl", targets: ["aeonctl"]),
        .executable(name: "aeon-bench", targets: ["aeon-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .target(
            name: "CAeonKernels",
            path: "Sources/CAeonKernels",
            cSettings: [.define("_GNU_SOURCE", .when(platforms: [.linux]))]
        ),
        .systemLibrary(
            name: "CLZ4",
            path: "Sources/CLZ4",
            pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"]), .brew(["lz4"])]
        ),
        .target(
            name: "Aeon",
            dependencies: ["CAeonKernels", "CLZ4"],
            path: "Sources/Aeon"
        ),
        .target(
            name: "CAeonBenchSupport",
            path: "Benchmarks/CAeonBenchSupport"
        ),
        .systemLibrary(
            name: "CSQLite",
            path: "Benchmarks/CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]
        ),
        .target(
            name: "AeonBenchmarks",
            dependencies: ["Aeon", "CAeonBenchSupport", "CSQLite"],
            path: "Benchmarks/AeonBenchmarks"
        ),
        .target(
            name: "AeonCommandSupport",
            dependencies: ["Aeon", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/AeonCommandSupport"
        ),
        .executableTarget(
            name: "aeonctl",
            dependencies: [
                "Aeon",
                "AeonCommandSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/aeonctl",
            resources: [.copy("Sample")]
        ),
        .executableTarget(
            name: "aeon-bench",
            dependencies: [
                "Aeon",
                "AeonBenchmarks",
                "AeonCommandSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/aeon-bench"
        ),
        .target(
            name: "AeonTestSupport",
            dependencies: ["Aeon"],
            path: "Tests/AeonTestSupport"
        ),
        .testTarget(
            name: "AeonTests",
            dependencies: ["Aeon", "AeonTestSupport", "CAeonKernels"],
            path: "Tests/AeonTests",
            // Stores written by earlier versions, opened by path (FormatCompatibilityTests).
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "aeonctlTests",
            dependencies: ["aeonctl", "aeon-bench", "Aeon", "AeonTestSupport"],
            path: "Tests/aeonctlTests"
        ),
    ],
    swiftLanguageModes: [.v6]
)
