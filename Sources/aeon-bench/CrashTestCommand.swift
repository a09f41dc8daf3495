import Aeon
import AeonCommandSupport
import ArgumentParser
import Foundation

/// `aeon-bench crashtest`: kills a writing child process at random moments and checks that every
/// acknowledged write survived.
struct CrashTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crashtest",
        abstract: "SIGKILL a writing child process at random moments; check every acknowledged write survived.",
        discussion: """
            Each iteration starts this binary as a child that opens the store (synchronous \
            durability) and performs a seeded stream of upserts with payloads, deletes, \
            checkpoints, compactions and blob garbage collections (with online splits and merges), reporting each operation to the parent before it starts and once it is \
            acknowledged; every other child writes its log around the page cache (direct I/O). The parent kills it with SIGKILL after a random delay, reopens the store \
            and checks: every acknowledged write present with its exact vector and payload, no \
            deleted id back, the operation in flight either applied or not, every index page's \
            checksum, and that searching for each record's vector finds it. The last line is

              crash iterations: N, acknowledged writes checked: M, lost: L, corrupt opens: C

            and the exit status is non-zero on any loss, corruption or failed check.

            With --power-loss it simulates power cuts instead, in this process: the store runs \
            the same operation stream over a file layer that keeps what the disk would hold \
            (each file as of its last fsync, each directory as of its last directory fsync); \
            the power is cut after a random sync point or write, or at a random moment, inside \
            writes, checkpoints, folds, compactions, garbage collections, splits and recovery \
            alike; every other cut keeps random torn sectors of unsynced writes. The store is \
            reopened from that image and checked against its durability mode (taken in turn: \
            synchronous, batched, none): every write it promised survives, the contents equal \
            some prefix of the operations, deleted ids stay deleted in get and in search. The \
            last line is

              power-loss iterations: N, acknowledged writes checked: M, lost: L, holes: H, corrupt opens: C

            Examples:
              aeon-bench crashtest --iterations 30
              aeon-bench crashtest --iterations 1000 --seed 7 --dir /tmp/crash
              aeon-bench crashtest --power-loss --iterations 1000 --seed 7
            """
    )

    @Option(name: .long, help: "Kill-and-recover iterations.")
    var iterations = 30

    @Option(name: .long, help: "Seed of the operation stream and of the kill times.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "The store directory (default: a new temporary directory, removed afterwards).")
    var dir: String?

    @Option(name: .long, help: "Longest time a child runs before it is killed, in milliseconds.")
    var maxRunMs = 400

    @Flag(name: .long, help: "Simulate power cuts instead of killing a process (see the discussion above).")
    var powerLoss = false

    @Option(name: .long, help: "With --power-loss: the most operations between two cuts.")
    var maxOperations = 40

    @Option(name: .long, help: "With --power-loss: instead of random cuts, cut after each sync point in turn of a fixed run of this many operations, in each durability mode.")
    var sweep: Int?

    @Option(
        name: .long,
        help: """
            With --power-loss: make one class of sync a no-op, to see the test fail \
            (log-data, log-directory, generation-files, manifest-directory, blob-segments).
            """)
    var dropSync: String?

    @Flag(name: .long, help: .hidden)
    var child = false

    @Option(name: .long, help: .hidden)
    var start: Int = 0

    func run() throws {
        guard iterations >= 0, maxRunMs >= 21, maxOperations >= 1 else {
            throw ValidationError("--iterations must be ≥ 0, --max-run-ms ≥ 21 and --max-operations ≥ 1")
        }
        if powerLoss {
            try runPowerLoss()
        } else if child {
            try runChild()
        } else {
            try runParent()
        }
    }

    // MARK: power loss

    private func runPowerLoss() throws {
        let directory = dir ?? NSTemporaryDirectory() + "aeon-powerloss-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { if dir == nil { try? FileManager.default.removeItem(atPath: directory) } }
        var configuration = PowerLossHarness.Configuration(directory: directory, iterations: iterations, seed: seed, maxOperations: maxOperations)
        if let dropSync {
            guard let dropped = PowerLossHarness.SyncClass(rawValue: dropSync) else {
                throw ValidationError("--drop-sync: no class \(dropSync); one of " + PowerLossHarness.SyncClass.allCases.map(\.rawValue).joined(separator: ", "))
            }
            configuration.dropSync = { dropped.matches($0) }
        }
        var report: PowerLossHarness.Report
        if let sweep {
            guard sweep >= 1 else { throw ValidationError("--sweep must be at least 1") }
            report = PowerLossHarness.Report()
            for mode in configuration.modes {
                var one = configuration
                one.modes = [mode]
                let part = try reportingErrors { try PowerLossHarness.sweep(one, operations: sweep, progress: { printNote("\(mode): " + $0) }) }
                printNote("\(mode): \(part.iterations) cut points")
                report.merge(part)
            }
        } else {
            report = try reportingErrors { try PowerLossHarness.run(configuration, progress: { printNote($0) }) }
        }
        for problem in report.problems.prefix(40) { printError(problem) }
        let places = report.cutsInside.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print("cuts landed in: \(places)")
        print(report.summary)
        if report.failed { throw ExitCode(ExitStatus.corrupt) }
    }

    // MARK: the child

    private func runChild() throws {
        guard let dir else { throw ValidationError("--child needs --dir") }
        var options = StoreOptions(
            dimension: CrashOperation.dimension, metric: .l2, build: CrashOperation.build, durability: .synchronous, checkpointThreshold: 0)
        // Every other child writes its log around the page cache (each commit a page-aligned
        // direct write with padding), so the log's segments mix both kinds of write.
        if (seed &+ UInt64(start)) % 2 == 1 { options.logDirectWriteBytes = 1 }
        let store = try reportingErrors { try AeonStore.open(at: dir, options: options) }
        // Splits and merges so far (the store's counts restart at each checkpoint).
        var done = (splits: 0, merges: 0)
        for k in start..<(start + 1_000_000) {
            report("T \(k)")
            let operation = CrashOperation(seed: seed, index: k)
            let before = try reportingErrors { try store.statistics }
            try reportingErrors { try operation.perform(on: store) }
            let after = try reportingErrors { try store.statistics }
            if after.splits >= before.splits && after.merges >= before.merges {
                done.splits += after.splits - before.splits
                done.merges += after.merges - before.merges
            }
            report("A \(k)")
            report("S \(done.splits) \(done.merges)")
        }
    }

    /// One unbuffered line on stdout: it must reach the parent before the next operation starts.
    private func report(_ line: String) { writeAll(line + "\n", to: STDOUT_FILENO) }

    // MARK: the parent

    private func runParent() throws {
        let directory = dir ?? NSTemporaryDirectory() + "aeon-crashtest-\(getpid())"
        defer { if dir == nil { try? FileManager.default.removeItem(atPath: directory) } }
        let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
        var model: [UInt64: Record] = [:]
        // The last vector each id was written with: a deleted id must not be found by it.
        var lastVector: [UInt64: [Float]] = [:]
        var next = 0
        var checked = 0, lost = 0, corrupt = 0, failedChecks = 0
        var splits = 0, merges = 0, replayedSplits = 0, replayedMerges = 0
        var random = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ 1)

        for iteration in 0..<iterations {
            // 1. Run a child and kill it at a random moment.
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["crashtest", "--child", "--dir", directory, "--seed", "\(seed)", "--start", "\(next)"]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            var childSplits = 0, childMerges = 0
            defer {
                splits += childSplits
                merges += childMerges
            }
            let delay = 20 + Int(random.next() % UInt64(max(1, maxRunMs - 20)))
            usleep(UInt32(delay) * 1000)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            var tried = -1, acknowledged = -1
            for line in output.split(separator: "\n") {
                let parts = line.split(separator: " ")
                if parts.count == 3, parts[0] == "S", let s = Int(parts[1]), let m = Int(parts[2]) {
                    childSplits = s
                    childMerges = m
                    continue
                }
                guard parts.count == 2, let k = Int(parts[1]) else { continue }
                if parts[0] == "T" { tried = max(tried, k) } else if parts[0] == "A" { acknowledged = max(acknowledged, k) }
            }

            // 2. What must now be true: every acknowledged operation applied.
            if acknowledged >= next {
                for k in next...acknowledged {
                    let operation = CrashOperation(seed: seed, index: k)
                    if case .upsert(let record) = operation { lastVector[record.id] = record.vector }
                    apply(operation, to: &model)
                }
                checked += acknowledged - next + 1
            }
            let inFlight = tried > acknowledged ? CrashOperation(seed: seed, index: tried) : nil

            // 3. Reopen as an application restarting would, and check.
            let store: AeonStore
            do {
                store = try AeonStore.open(
                    at: directory, options: StoreOptions(dimension: CrashOperation.dimension, metric: .l2, build: CrashOperation.build))
            } catch {
                corrupt += 1
                printError("iteration \(iteration): reopening failed: \(error)")
                break
            }
            if let inFlight {
                if case .upsert(let record) = inFlight { lastVector[record.id] = record.vector }
                // Either outcome is correct for the operation that was not acknowledged.
                var applied = model
                apply(inFlight, to: &applied)
                if case .upsert(let record) = inFlight, (try? store.get(id: record.id)) == record { model = applied }
                if case .delete(let id) = inFlight, model[id] != nil, (try? store.get(id: id)) == nil { model = applied }
            }
            if let stats = try? store.statistics {
                replayedSplits += stats.splits
                replayedMerges += stats.merges
            }
            var problems: [String] = []
            for id in 0..<UInt64(CrashOperation.idSpace) {
                let actual: Record?
                do { actual = try store.get(id: id) } catch {
                    problems.append("get(\(id)) threw \(error)")
                    if error.code == .corrupt { corrupt += 1 }
                    continue
                }
                if actual != model[id] {
                    lost += 1
                    problems.append("id \(id): expected \(model[id] == nil ? "absent" : "present"), found \(actual == nil ? "absent" : "other data")")
                }
            }
            if store.count != model.count { problems.append("count \(store.count), expected \(model.count)") }
            do {
                let damaged = try store.verify()
                if let first = damaged.first {
                    problems.append("verify: \(first)")
                    corrupt += 1
                }
            } catch {
                problems.append("verify threw: \(error)")
                corrupt += 1
            }
            // Every record is found by its vector; a deleted id is not found by its last one.
            let searched = CrashOperation.checkSearch(store, contents: model, lastVector: lastVector)
            lost += searched.resurrected
            problems += searched.problems
            try? store.close()
            if !problems.isEmpty {
                failedChecks += 1
                printError("iteration \(iteration) (ops \(next)…\(tried)): " + problems.prefix(5).joined(separator: "; "))
            }
            next = max(next, tried + 1)
        }
        print(
            "postings split by the children: \(splits), merged: \(merges); "
                + "while replaying the log on reopen: \(replayedSplits) splits, \(replayedMerges) merges")
        print("crash iterations: \(iterations), acknowledged writes checked: \(checked), lost: \(lost), corrupt opens: \(corrupt)")
        if lost > 0 || corrupt > 0 || failedChecks > 0 { throw ExitCode(ExitStatus.corrupt) }
    }

    private func apply(_ operation: CrashOperation, to model: inout [UInt64: Record]) {
        operation.apply(to: &model)
    }
}
