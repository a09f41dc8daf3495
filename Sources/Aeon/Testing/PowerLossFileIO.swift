#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A ``FileIO`` that simulates a power cut: it writes through to the real files (so mappings,
/// reads and sizes behave as usual) and keeps, beside them, what a disk would hold if the power
/// went out now: each file's bytes as of its last sync, and each directory's entries as of its
/// last directory sync. ``cut()`` freezes every later mutating call (they throw `EIO`, on every
/// thread: the writer, the splitter, the log's batch sync) and returns that image;
/// ``DurableImage/materialize(at:)`` writes it out as a directory a store can be reopened from.
///
/// What it models, strictly (stricter than ext4 or APFS, as SQLite's crash-test VFS and RocksDB's
/// `FaultInjectionTestFS` are): a write is lost unless a later `sync` of its file completed; a
/// created, renamed or removed entry reverts unless a later `syncDirectory` of its directory
/// completed; a file whose entry survives keeps only its synced bytes. With torn writes on, the
/// image also keeps a random subset of 512-byte sectors of unsynced writes, in any order, and a
/// random prefix of each directory's unsynced entry changes (journaled metadata stays ordered).
/// Direct-I/O opens are modelled as ordinary opens: a direct write is no more durable than a
/// cached one until its file is synced.
///
/// Syncs can also be dropped on purpose (``Options/dropSync``): the call succeeds and nothing
/// becomes durable, which is how the power-loss tests prove they would see a missing sync.
///
/// Only paths under `root` are modelled; the tree under it when the layer is created counts as
/// durable.
package final class PowerLossFileIO: FileIO, @unchecked Sendable {
    /// A sync call, as ``Options/dropSync`` sees it.
    package struct SyncCall: Sendable {
        /// The path, relative to the root.
        package var path: String
        /// `true` for ``FileIO/syncDirectory(_:)``, `false` for a file's sync.
        package var isDirectory: Bool
    }

    /// How the layer behaves.
    package struct Options: Sendable {
        /// Syncs for which this returns `true` succeed without making anything durable.
        package var dropSync: (@Sendable (SyncCall) -> Bool)?
        /// Cuts by itself right after the `n`th sync point (file sync, directory sync, rename,
        /// unlink) counted from creation.
        package var cutAfterSyncPoint: Int?
        /// Cuts by itself right after the `n`th mutating call (any write, resize, create, sync,
        /// rename, unlink, mkdir) counted from creation.
        package var cutAfterMutation: Int?
        /// Called (on the cutting thread, with the layer's lock held: it must not call the
        /// layer) when an automatic cut fires.
        package var onCut: (@Sendable () -> Void)?

        /// Options.
        package init(
            dropSync: (@Sendable (SyncCall) -> Bool)? = nil, cutAfterSyncPoint: Int? = nil, cutAfterMutation: Int? = nil,
            onCut: (@Sendable () -> Void)? = nil
        ) {
            self.dropSync = dropSync
            self.cutAfterSyncPoint = cutAfterSyncPoint
            self.cutAfterMutation = cutAfterMutation
            self.onCut = onCut
        }
    }

    private final class Node {
        let isDirectory: Bool
        // A file's bytes as of its last sync, and the changes made since, in order.
        var durable: [UInt8] = []
        var pending: [Change] = []
        // A directory's entries now, as of its last sync, and the changes since, in order.
        var entries: [String: Node] = [:]
        var durableEntries: [String: Node] = [:]
        var pendingEntries: [(name: String, node: Node?)] = []

        init(isDirectory: Bool) { self.isDirectory = isDirectory }

        enum Change {
            case write(offset: Int, bytes: [UInt8])
            case resize(Int)
        }

        /// The file's bytes with every change applied.
        static func apply(_ changes: [Change], to bytes: inout [UInt8]) {
            for change in changes {
                switch change {
                case .write(let offset, let data):
                    if bytes.count < offset + data.count { bytes += [UInt8](repeating: 0, count: offset + data.count - bytes.count) }
                    bytes.replaceSubrange(offset..<(offset + data.count), with: data)
                case .resize(let size):
                    if size < bytes.count { bytes.removeLast(bytes.count - size) } else { bytes += [UInt8](repeating: 0, count: size - bytes.count) }
                }
            }
        }
    }

    private let real = SystemFileIO()
    private let lock = ConditionLock()
    private let options: Options
    /// The modelled directory, without a trailing slash.
    package let root: String
    // Guarded by `lock`.
    private let rootNode = Node(isDirectory: true)
    private var descriptors: [Int32: Node] = [:]
    private var frozen = false
    private var frozenImage: DurableImage?
    private var syncPoints = 0
    private var mutations = 0
    private var cutAfterSyncPoint: Int?
    private var cutAfterMutation: Int?
    private var clock: UInt64 = 0
    private var lastSyncs: [String: UInt64] = [:]

    /// A layer over the tree at `root` (which must exist), all of it taken as durable.
    package init(root: String, options: Options = Options()) throws(AeonError) {
        var trimmed = root
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.root = trimmed
        self.options = options
        self.cutAfterSyncPoint = options.cutAfterSyncPoint
        self.cutAfterMutation = options.cutAfterMutation
        try load(rootNode, path: trimmed)
    }

    private func load(_ directory: Node, path: String) throws(AeonError) {
        for name in try real.list(path) {
            let child = path + "/" + name
            if real.exists(child).isDirectory {
                let node = Node(isDirectory: true)
                try load(node, path: child)
                directory.entries[name] = node
            } else {
                let node = Node(isDirectory: false)
                let file = try StorageFile(io: real, path: child, access: .readOnly)
                node.durable = try file.read(count: Int(try file.size), at: 0)
                try file.close()
                directory.entries[name] = node
            }
        }
        directory.durableEntries = directory.entries
    }

    // MARK: observing and cutting

    /// Whether the power is cut: every mutating call fails.
    package var isCut: Bool { lock.withLock { frozen } }

    /// Sync points (file syncs, directory syncs, renames, unlinks) so far.
    package var syncPointCount: Int { lock.withLock { syncPoints } }

    /// Mutating calls so far.
    package var mutationCount: Int { lock.withLock { mutations } }

    /// A counter advanced by every call: stamps that order an application's events against the
    /// layer's (a write acknowledged at stamp `s` is covered by a sync that completed later).
    package var stamp: UInt64 { lock.withLock { clock } }

    /// The stamp of the last sync that made something durable in a file whose root-relative path
    /// satisfies `matches` (nil if none).
    package func lastSyncStamp(where matches: (String) -> Bool) -> UInt64? {
        lock.withLock { lastSyncs.filter { matches($0.key) }.map(\.value).max() }
    }

    /// Arms an automatic cut right after the `syncPoints`-th sync point or the `mutations`-th
    /// mutating call from now, whichever comes first (`nil`: not on that count).
    package func armCut(afterSyncPoints: Int? = nil, afterMutations: Int? = nil) {
        lock.withLock {
            cutAfterSyncPoint = afterSyncPoints.map { syncPoints + $0 }
            cutAfterMutation = afterMutations.map { mutations + $0 }
        }
    }

    /// Cuts the power now (or returns the image of the cut that already happened).
    package func cut() -> DurableImage {
        lock.withLock { freeze() }
    }

    /// With the lock held.
    @discardableResult
    private func freeze() -> DurableImage {
        if let frozenImage { return frozenImage }
        frozen = true
        let image = DurableImage(root: snapshot(rootNode))
        frozenImage = image
        return image
    }

    private func snapshot(_ directory: Node) -> DurableImage.Directory {
        func copy(_ node: Node) -> DurableImage.Entry {
            if node.isDirectory { return .directory(snapshot(node)) }
            return .file(DurableImage.File(durable: node.durable, pending: node.pending.compactMap {
                if case .write(let offset, let bytes) = $0 { return (offset, bytes) }
                return nil
            }))
        }
        var result = DurableImage.Directory()
        for (name, node) in directory.durableEntries { result.durable[name] = copy(node) }
        result.pending = directory.pendingEntries.map { ($0.name, $0.node.map(copy)) }
        return result
    }

    // MARK: bookkeeping (lock held)

    private func relative(_ path: String) -> [Substring]? {
        guard path == root || path.hasPrefix(root + "/") else { return nil }
        return path.dropFirst(root.count).split(separator: "/").filter { $0 != "." }
    }

    /// The modelled node at `path`, or (with `parent`) its directory and its last component.
    private func node(at path: String) -> Node? {
        guard let parts = relative(path) else { return nil }
        var current = rootNode
        for part in parts {
            guard current.isDirectory, let next = current.entries[String(part)] else { return nil }
            current = next
        }
        return current
    }

    private func parent(of path: String) -> (Node, String)? {
        guard let parts = relative(path), let last = parts.last else { return nil }
        var current = rootNode
        for part in parts.dropLast() {
            guard current.isDirectory, let next = current.entries[String(part)] else { return nil }
            current = next
        }
        return current.isDirectory ? (current, String(last)) : nil
    }

    private func setEntry(_ directory: Node, _ name: String, _ node: Node?) {
        directory.entries[name] = node
        directory.pendingEntries.append((name, node))
    }

    /// Counts a mutating call; throws once the power is cut.
    private func mutating(_ path: String) throws(AeonError) {
        clock += 1
        if frozen { throw AeonError(.io, "power cut (simulated)", path: path, errno: EIO) }
        mutations += 1
    }

    /// After a mutating call took effect: fires an automatic cut that is due.
    private func completed(syncPoint: Bool) {
        if syncPoint { syncPoints += 1 }
        let due = (syncPoint && cutAfterSyncPoint == syncPoints) || cutAfterMutation == mutations
        if due && !frozen {
            options.onCut?()
            freeze()
        }
    }

    // MARK: FileIO

    package func open(_ path: String, access: FileAccess, create: Bool, exclusive: Bool, truncate: Bool) throws(AeonError) -> Int32 {
        lock.lock()
        defer { lock.unlock() }
        let existing = node(at: path)
        let changes = (create && existing == nil) || truncate
        if changes { try mutating(path) } else { clock += 1 }
        let fd = try real.open(path, access: access, create: create, exclusive: exclusive, truncate: truncate)
        if let existing {
            if truncate { existing.pending.append(.resize(0)) }
            descriptors[fd] = existing
        } else if let (directory, name) = parent(of: path) {
            let file = Node(isDirectory: false)
            setEntry(directory, name, file)
            descriptors[fd] = file
        }
        if changes { completed(syncPoint: false) }
        return fd
    }

    package func openDirect(_ path: String) throws(AeonError) -> Int32? {
        try open(path, access: .readWrite, create: false, exclusive: false, truncate: false)
    }

    package func close(_ fd: Int32, path: String) throws(AeonError) {
        lock.lock()
        defer { lock.unlock() }
        descriptors[fd] = nil
        try real.close(fd, path: path)
    }

    package func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, path: String) throws(AeonError) -> Int {
        try real.read(fd, into: buffer, at: offset, path: path)
    }

    package func write(_ fd: Int32, from buffer: UnsafeRawBufferPointer, at offset: UInt64, path: String) throws(AeonError) -> Int {
        lock.lock()
        defer { lock.unlock() }
        try mutating(path)
        let n = try real.write(fd, from: buffer, at: offset, path: path)
        descriptors[fd]?.pending.append(.write(offset: Int(offset), bytes: Array(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))))
        completed(syncPoint: false)
        return n
    }

    package func sync(_ fd: Int32, metadata: Bool, path: String) throws(AeonError) {
        lock.lock()
        defer { lock.unlock() }
        try mutating(path)
        if let file = descriptors[fd] {
            let name = relative(path)?.joined(separator: "/") ?? path
            if options.dropSync?(SyncCall(path: name, isDirectory: false)) != true {
                Node.apply(file.pending, to: &file.durable)
                file.pending = []
                lastSyncs[name] = clock
            }
        }
        completed(syncPoint: true)
    }

    package func resize(_ fd: Int32, to size: UInt64, path: String) throws(AeonError) {
        lock.lock()
        defer { lock.unlock() }
        try mutating(path)
        try real.resize(fd, to: size, path: path)
        descriptors[fd]?.pending.append(.resize(Int(size)))
        completed(syncPoint: false)
    }

    package func size(_ fd: Int32, path: String) throws(AeonError) -> UInt64 { try real.size(fd, path: path) }

    package func tryLock(_ fd: Int32, exclusive: Bool, path: String) throws(AeonError) -> Bool {
        try real.tryLock(fd, exclusive: exclusive, path: path)
    }

    package func map(_ fd: Int32, length: Int, path: String) throws(AeonError) -> UnsafeRawPointer {
        try real.map(fd, length: length, path: path)
    }

    package func unmap(_ address: UnsafeRawPointer, length: Int) { real.unmap(address, length: length) }

    package func rename(_ from: String, to: String) throws(AeonError) {
        lock.lock()
        defer { lock.unlock() }
        try mutating(from)
        try real.rename(from, to: to)
        if let (source, oldName) = parent(of: from), let moved = source.entries[oldName], let (target, newName) = parent(of: to) {
            setEntry(source, oldName, nil)
            setEntry(target, newName, moved)
        }
        completed(syncPoint: true)
    }

    package func remove(_ path: String) throws(AeonError) {
        lock.lock()
        defer { lock.unlock() }
        try mutating(path)
        try real.remove(path)
        if let (directory, name) = parent(of: path), directory.entries[name] != nil { setEntry(directory, name, nil) }
        completed(syncPoint: true)
    }

    package func makeDirectory(_ path: String) throws(AeonError) {
        lock.lock()
        defer { lock.unlock() }
        try mutating(path)
        try real.makeDirectory(path)
        if node(at: path) == nil, let (directory, name) = parent(of: path) { setEntry(directory, name, Node(isDirectory: true)) }
        completed(syncPoint: false)
    }

    package func syncDirectory(_ path: String) throws(AeonError) {
        lock.lock()
        defer { lock.unlock() }
        try mutating(path)
        if let directory = node(at: path), directory.isDirectory {
            let name = relative(path)?.joined(separator: "/") ?? path
            if options.dropSync?(SyncCall(path: name, isDirectory: true)) != true {
                directory.durableEntries = directory.entries
                directory.pendingEntries = []
            }
        } else if relative(path) == nil {
            try real.syncDirectory(path)
        }
        completed(syncPoint: true)
    }

    package func exists(_ path: String) -> (exists: Bool, isDirectory: Bool) { real.exists(path) }

    package func list(_ path: String) throws(AeonError) -> [String] { try real.list(path) }
}

/// What a disk held at the moment of a simulated power cut (see ``PowerLossFileIO``).
package struct DurableImage: Sendable {
    /// A file: its synced bytes, and the unsynced writes a torn cut may keep pieces of.
    package struct File: Sendable {
        var durable: [UInt8]
        var pending: [(offset: Int, bytes: [UInt8])]
    }

    /// A directory's synced entries, and the unsynced changes (nil: removed) a torn cut may keep a
    /// prefix of.
    package struct Directory: Sendable {
        var durable: [String: Entry] = [:]
        var pending: [(name: String, entry: Entry?)] = []
    }

    /// A directory entry.
    package indirect enum Entry: Sendable {
        case file(File)
        case directory(Directory)
    }

    let root: Directory

    /// The sector size torn writes are cut at.
    package static let sectorSize = 512

    /// Writes the image as the directory `path` (which must not exist). With `torn`, `random`
    /// chooses which unsynced sectors and entry changes reached the disk as well.
    package func materialize(at path: String, torn: Bool = false, random: inout SplitMix64) throws(AeonError) {
        try write(root, at: path, torn: torn, random: &random)
    }

    private func write(_ directory: Directory, at path: String, torn: Bool, random: inout SplitMix64) throws(AeonError) {
        let io = SystemFileIO()
        try io.makeDirectory(path)
        var entries = directory.durable
        if torn && !directory.pending.isEmpty {
            let kept = Int(random.next() % UInt64(directory.pending.count + 1))
            for (name, entry) in directory.pending.prefix(kept) { entries[name] = entry }
        }
        for (name, entry) in entries.sorted(by: { $0.key < $1.key }) {
            let child = path + "/" + name
            switch entry {
            case .directory(let sub):
                try write(sub, at: child, torn: torn, random: &random)
            case .file(let file):
                var bytes = file.durable
                if torn && !file.pending.isEmpty {
                    // Each sector of each unsynced write reached the disk or not, in any order.
                    var pieces: [(offset: Int, bytes: ArraySlice<UInt8>)] = []
                    for (offset, data) in file.pending {
                        var start = 0
                        while start < data.count {
                            let end = min(data.count, (offset + start) / Self.sectorSize * Self.sectorSize + Self.sectorSize - offset)
                            if random.next() % 2 == 0 { pieces.append((offset + start, data[start..<end])) }
                            start = end
                        }
                    }
                    for i in pieces.indices.reversed() where i > 0 { pieces.swapAt(i, Int(random.next() % UInt64(i + 1))) }
                    for (offset, data) in pieces {
                        if bytes.count < offset + data.count { bytes += [UInt8](repeating: 0, count: offset + data.count - bytes.count) }
                        bytes.replaceSubrange(offset..<(offset + data.count), with: data)
                    }
                }
                let out = try StorageFile(io: io, path: child, access: .readWrite, create: true, exclusive: true)
                try out.write(bytes, at: 0)
                try out.close()
            }
        }
    }
}
