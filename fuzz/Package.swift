// swift-tools-version: 6.1
//
// libFuzzer targets for every parser of untrusted bytes in Aeon (issue 13): store files with
// their checksums recomputed after each mutation, the log, the blob arena, the import formats,
// and the store against a model. A package of its own so that the engine's build never links
// libFuzzer; `fuzz/run.sh` builds it with `-sanitize=fuzzer,address` and runs one target.
import PackageDescription

let package = Package(
    name: "AeonFuzz",
    dependencies: [.package(name: "Aeon", path: "..")],
    targets: [
        .executableTarget(
            name: "AeonFuzz",
            dependencies: [.product(name: "Aeon", package: "Aeon")],
            path: "Sources/AeonFuzz"
        )
    ],
    swiftLanguageModes: [.v6]
)
