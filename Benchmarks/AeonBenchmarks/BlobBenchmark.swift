import Aeon
import Foundation
import Synchronization

/// `aeon-bench blobs`: the blob arena's put and get throughput and latency per payload size,
/// LZ4's ratio and speed on real texts, and garbage collection's copy rate and its effect on the
/// latency of reads running beside it.
public struct BlobBenchmark: Sendable {
    /// Everything one run measured.
    public struct Report: Sendable, Codable {
        /// Keyed by payload size in bytes ("100", "4096", "1048576").
        public var putPerS: [String: Double]
        public var putP50Us: [String: Double]
        public var putP99Us: [String: Double]
        public var getPerS: [String: Double]
        public var getP50Us: [String: Double]
        public var getP99Us: [String: Double]
        /// Bytes of the texts over the bytes the arena stored for them (framing included), one
        /// text per payload as an application would store them.
        public var compressionRatio: Double
        /// The same texts packed into 4 KiB payloads.
        public var compressionRatio4k: Double
        public var compressMbPerS: Double
        public var decompressMbPerS: Double
        public var texts: Int
        /// Live bytes copied per second by a collection (4 KiB payloads, half of them dead).
        public var gcMbPerS: Double
        public var gcSeconds: Double
        /// A reader thread's get latency on 4 KiB payloads without, then during, a collection.
        public var getP99UsIdle: Double
        public var getP99UsDuringGc: Double
        public var getP50UsIdle: Double
        public var getP50UsDuringGc: Double

        enum CodingKeys: String, CodingKey {
            case putPerS = "put_per_s", putP50Us = "put_p50_us", putP99Us = "put_p99_us"
            case getPerS = "get_per_s", getP50Us = "get_p50_us", getP99Us = "get_p99_us"
            case compressionRatio = "compression_ratio", compressionRatio4k = "compression_ratio_4k"
            case compressMbPerS = "compress_mb_per_s", decompressMbPerS = "decompress_mb_per_s", texts
            case gcMbPerS = "gc_mb_per_s", gcSeconds = "gc_s"
            case getP99UsIdle = "get_p99_us_idle", getP99UsDuringGc = "get_p99_us_during_gc"
            case getP50UsIdle = "get_p50_us_idle", getP50UsDuringGc = "get_p50_us_during_gc"
        }
    }

    public var directory: String
    /// Real texts (one payload each); their concatenation also fills the larger payloads.
    public var texts: [[UInt8]]

    /// A benchmark with arenas under `directory`.
    public init(directory: String, texts: [[UInt8]]) {
        precondition(!texts.isEmpty, "BlobBenchmark: no texts")
        self.directory = directory
        self.texts = texts
    }

    public func run(progress: (String) -> Void = { _ in }) throws(AeonError) -> Report {
        var report = Report(
            putPerS: [:], putP50Us: [:], putP99Us: [:], getPerS: [:], getP50Us: [:], getP99Us: [:], compressionRatio: 0,
            compressionRatio4k: 0, compressMbPerS: 0, decompressMbPerS: 0, texts: texts.count, gcMbPerS: 0, gcSeconds: 0,
            getP99UsIdle: 0, getP99UsDuringGc: 0, getP50UsIdle: 0, getP50UsDuringGc: 0)
        let corpus = Array(texts.joined(separator: [10]))

        // Put and get per size: text content (what agents store), a sync per 1000 puts.
        for (size, count) in [(100, 50_000), (4096, 20_000), (1 << 20, 200)] {
            let arena = try BlobArena.open(directory: directory + "/size-\(size)")
            let payloads = (0..<min(count, 512)).map { i in slice(corpus, from: (i * 7919 * size) % corpus.count, count: size) }
            let clock = ContinuousClock()
            var latencies: [Double] = []
            latencies.reserveCapacity(count)
            var locations: [BlobLocation] = []
            locations.reserveCapacity(count)
            let start = clock.now
            for i in 0..<count {
                let t = clock.now
                locations.append(try arena.append(payloads[i % payloads.count]))
                if i % 1000 == 999 { try arena.sync() }
                latencies.append(micros(clock.now - t))
            }
            try arena.sync()
            let putSeconds = micros(clock.now - start) / 1e6
            let key = "\(size)"
            report.putPerS[key] = Double(count) / putSeconds
            (report.putP50Us[key], report.putP99Us[key]) = percentiles(latencies)

            var random = SplitMix64(seed: 11)
            latencies.removeAll(keepingCapacity: true)
            var checksum = 0
            let getStart = clock.now
            for _ in 0..<count {
                let location = locations[Int(random.next() % UInt64(count))]
                let t = clock.now
                checksum &+= try arena.read(location).count
                latencies.append(micros(clock.now - t))
            }
            let getSeconds = micros(clock.now - getStart) / 1e6
            precondition(checksum == count * size, "BlobBenchmark: reads came back short")
            report.getPerS[key] = Double(count) / getSeconds
            (report.getP50Us[key], report.getP99Us[key]) = percentiles(latencies)
            progress(
                "\(size) B: put \(Int(report.putPerS[key]!))/s (p99 \(format(report.putP99Us[key]!)) µs), get \(Int(report.getPerS[key]!))/s "
                    + "(p99 \(format(report.getP99Us[key]!)) µs)")
            try arena.close()
        }

        // Compression on the real texts: one payload per text, then 4 KiB packs.
        let textArena = try BlobArena.open(directory: directory + "/texts")
        let stored = try textArena.append(batch: texts)
        try textArena.sync()
        let textBytes = texts.reduce(0) { $0 + $1.count }
        report.compressionRatio = Double(textBytes) / Double(stored.reduce(0) { $0 + Int($1.length) })
        let packs = stride(from: 0, to: corpus.count, by: 4096).map { slice(corpus, from: $0, count: min(4096, corpus.count - $0)) }
        let packed = try textArena.append(batch: packs)
        report.compressionRatio4k = Double(corpus.count) / Double(packed.reduce(0) { $0 + Int($1.length) })
        try textArena.close()
        let clock = ContinuousClock()
        var compressed: [[UInt8]] = []
        var start = clock.now
        for pack in packs { compressed.append(try LZ4.compress(pack) ?? pack) }
        report.compressMbPerS = Double(corpus.count) / 1e6 / (micros(clock.now - start) / 1e6)
        start = clock.now
        for (pack, block) in zip(packs, compressed) where block.count != pack.count {
            _ = try LZ4.decompress(block, originalCount: pack.count)
        }
        report.decompressMbPerS = Double(corpus.count) / 1e6 / (micros(clock.now - start) / 1e6)
        progress(
            "texts: ratio \(format(report.compressionRatio)) one per payload, \(format(report.compressionRatio4k)) in 4 KiB packs; "
                + "LZ4 \(Int(report.compressMbPerS)) MB/s in, \(Int(report.decompressMbPerS)) MB/s out")

        try measureCollection(into: &report, corpus: corpus, progress: progress)
        return report
    }

    /// 64 MiB of 4 KiB payloads in 4 MiB segments, half of them dead (every segment collected:
    /// ratio 0.25); a reader thread's latency
    /// with the arena idle, then while a collection copies the live half.
    private func measureCollection(into report: inout Report, corpus: [UInt8], progress: (String) -> Void) throws(AeonError) {
        let arena = try BlobArena.open(directory: directory + "/gc", options: BlobArena.Options(segmentSize: 4 << 20))
        let count = 16_384
        let payloads = (0..<256).map { i in slice(corpus, from: (i * 104_729) % corpus.count, count: 4096) }
        var locations: [BlobLocation] = []
        for first in stride(from: 0, to: count, by: 1024) {
            locations += try arena.append(batch: (first..<(first + 1024)).map { payloads[$0 % payloads.count] })
        }
        try arena.sync()
        var random = SplitMix64(seed: 3)
        let live = locations.filter { _ in random.next() % 2 == 0 }
        let probe = ReadProbe(arena: arena, locations: live)

        func readLatencies(while busy: () throws(AeonError) -> Void) throws(AeonError) -> [Double] {
            probe.start()
            let result = Result { () throws(AeonError) in try busy() }
            let samples = probe.finish()
            try result.get()
            return samples
        }

        let idle = try readLatencies { () throws(AeonError) in usleep(300_000) }
        let clock = ContinuousClock()
        var seconds = 0.0
        var copied = 0
        let during = try readLatencies { () throws(AeonError) in
            let start = clock.now
            let collection = try arena.collect(live: live, garbageRatio: 0.25)
            seconds = micros(clock.now - start) / 1e6
            copied = collection.relocations.values.reduce(0) { $0 + Int($1.length) }
            probe.relocate(collection.relocations)
            try arena.retire(segments: collection.segments)
        }
        report.gcSeconds = seconds
        report.gcMbPerS = Double(copied) / 1e6 / seconds
        (report.getP50UsIdle, report.getP99UsIdle) = percentiles(idle)
        (report.getP50UsDuringGc, report.getP99UsDuringGc) = percentiles(during)
        progress(
            "gc: copied \(copied >> 20) MiB in \(format(seconds)) s (\(Int(report.gcMbPerS)) MB/s); concurrent get p50/p99 "
                + "\(format(report.getP50UsIdle))/\(format(report.getP99UsIdle)) µs idle, "
                + "\(format(report.getP50UsDuringGc))/\(format(report.getP99UsDuringGc)) µs during")
        try arena.close()
    }

    private func slice(_ corpus: [UInt8], from start: Int, count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var at = start % max(1, corpus.count)
        while out.count < count {
            let take = min(count - out.count, corpus.count - at)
            out += corpus[at..<(at + take)]
            at = 0
        }
        return out
    }

    private func micros(_ duration: Duration) -> Double { Timing.nanoseconds(duration) / 1e3 }

    private func percentiles(_ values: [Double]) -> (Double, Double) {
        values.isEmpty ? (0, 0) : (Timing.median(values), Timing.percentile(values, 99))
    }

    private func format(_ x: Double) -> String { String(format: "%.3g", x) }
}

/// A thread reading random live blobs and timing each read, while the caller does something else.
private final class ReadProbe: Sendable {
    let arena: BlobArena
    private let locations: Mutex<[BlobLocation]>
    private let stop = Atomic<Bool>(false)
    private let done = Atomic<Bool>(false)
    private let samples = Mutex<[Double]>([])

    init(arena: BlobArena, locations: [BlobLocation]) {
        self.arena = arena
        self.locations = Mutex(locations)
    }

    /// Points the reader at the blobs' new homes (as a store's published generation would).
    func relocate(_ moved: [BlobLocation: BlobLocation]) {
        locations.withLock { all in all = all.map { moved[$0] ?? $0 } }
    }

    func start() {
        stop.store(false, ordering: .releasing)
        done.store(false, ordering: .releasing)
        let thread = Thread { [self] in
            var random = SplitMix64(seed: 5)
            var mine: [Double] = []
            let clock = ContinuousClock()
            while !stop.load(ordering: .acquiring) {
                let current = locations.withLock { $0 }
                let t = clock.now
                _ = try? arena.read(current[Int(random.next() % UInt64(current.count))])
                mine.append(Timing.nanoseconds(clock.now - t) / 1e3)
            }
            samples.withLock { $0 = mine }
            done.store(true, ordering: .releasing)
        }
        thread.start()
    }

    /// Stops the reader; its latencies in µs.
    func finish() -> [Double] {
        stop.store(true, ordering: .releasing)
        while !done.load(ordering: .acquiring) { usleep(100) }
        return samples.withLock { $0 }
    }
}
