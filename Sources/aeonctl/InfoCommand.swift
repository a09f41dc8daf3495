import Aeon
import AeonCommandSupport
import ArgumentParser
import Foundation

/// `aeonctl info`.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a store: format, dimension, metric, counts, postings, files, log, SIMD level.",
        discussion: """
            Opens the store read-only (it never modifies it).

            Examples:
              aeonctl info memories
              aeonctl info memories --json
            """
    )

    @Argument(help: "The store directory.") var store: String
    @Flag(name: .long, help: "Print one JSON object.") var json = false

    func run() throws {
        let s = try openStore(store)
        let d = try reportingErrors { try s.describe() }
        let st = d.statistics
        let blobs = s.blobStatistics
        if json {
            let files = d.files.map { "{\"name\":\(jsonString($0.name)),\"bytes\":\($0.bytes)}" }.joined(separator: ",")
            print(
                "{\"path\":\(jsonString(s.path)),\"identity\":\(s.identity.map { "\"\($0)\"" } ?? "null"),\"format\":{\"manifest\":\(d.formatVersions.manifest),\"postings\":\(d.formatVersions.postings),"
                    + "\"records\":\(d.formatVersions.records),\"wal\":\(d.formatVersions.log),\"blobs\":\(d.formatVersions.blobs)},\"dimension\":\(s.dimension),"
                    + "\"metric\":\"\(s.metric)\",\"records\":\(st.records),\"indexed_records\":\(st.indexedRecords),"
                    + "\"pending_writes\":\(st.pendingWrites),\"deleted\":\(st.pendingDeletes),\"generation\":\(st.generation),\"postings\":\(st.postings),"
                    + "\"posting_size\":{\"min\":\(d.postingSizes.min),\"median\":\(d.postingSizes.median),\"max\":\(d.postingSizes.max)},"
                    + "\"replication\":\(st.replicationFactor),\"index_bytes\":\(st.indexBytes),\"layers\":\(st.layers),\"top_layer_bytes\":\(st.layerBytes),\"files\":[\(files)],"
                    + "\"wal\":{\"segments\":\(d.logSegments),\"bytes\":\(d.logBytes),\"checkpoint_lsn\":\(st.checkpointLSN),"
                    + "\"last_lsn\":\(st.lastLSN),\"records_since_checkpoint\":\(st.lastLSN - st.checkpointLSN)},"
                    + "\"blobs\":{\"segments\":\(blobs.segments),\"file_bytes\":\(blobs.fileBytes),\"live_bytes\":\(blobs.liveBytes)},"
                    + "\"splits\":\(st.splits),\"merges\":\(st.merges),\"lookaside\":null,\"simd_level\":\"\(s.simdLevel)\"}")
            return
        }
        print("store        \(s.path)")
        print("identity     \(s.identity.map { "\($0)" } ?? "none (a store created before manifest v2)")")
        print("format       \(d.formatVersions)")
        print("vectors      \(s.dimension)-d, metric \(s.metric)")
        print("records      \(st.records) live (\(st.indexedRecords) indexed in generation \(st.generation); since the checkpoint \(st.pendingWrites) ids written, \(st.pendingDeletes) indexed ones deleted)")
        print("postings     \(st.postings): entries min \(d.postingSizes.min) / median \(d.postingSizes.median) / max \(d.postingSizes.max), replication \(String(format: "%.2f", st.replicationFactor))")
        print("index        \(st.layers) layer(s), \(st.indexBytes) B; the top layer (the last checkpoint's) \(st.layerBytes) B")
        print("files        " + d.files.map { "\($0.name) \($0.bytes) B" }.joined(separator: ", "))
        print("WAL          \(d.logSegments) segment(s), \(d.logBytes) B; checkpoint LSN \(st.checkpointLSN), last LSN \(st.lastLSN) (\(st.lastLSN - st.checkpointLSN) records since)")
        print("online       \(st.splits) postings split, \(st.merges) merged since the checkpoint")
        print("blobs        \(blobs.segments) segment(s), \(blobs.fileBytes) B, \(blobs.liveBytes) B live (exact after a checkpoint; `aeonctl gc` reclaims the rest)")
        print("lookaside    not yet")
        print("SIMD         \(s.simdLevel)")
    }
}
