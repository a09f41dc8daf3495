import Testing
@testable import Aeon
import AeonTestSupport

/// The power-loss model itself: what survives a cut is what was synced, and nothing else.
@Suite("power-loss file layer")
struct PowerLossFileIOTests {
    private func materialize(_ image: DurableImage, in dir: TemporaryDirectory, torn: Bool = false, seed: UInt64 = 1) throws -> String {
        var random = SplitMix64(seed: seed)
        let path = dir.child("image")
        try image.materialize(at: path, torn: torn, random: &random)
        return path
    }

    @Test("an unsynced write is lost; a synced one survives; a later write after the sync is lost again")
    func fileSync() throws {
        let dir = TemporaryDirectory()
        let root = dir.child("root")
        try SystemFileIO().makeDirectory(root)
        FileBytes.write(root + "/f", [1, 2, 3])
        let io = try PowerLossFileIO(root: root)
        let file = try StorageFile(io: io, path: root + "/f", access: .readWrite)
        try file.write([9, 9], at: 0)
        try file.sync()
        try file.write([7, 7, 7, 7], at: 1)
        let path = try materialize(io.cut(), in: dir)
        #expect(FileBytes.read(path + "/f") == [9, 9, 3])
        // The real file has everything; once cut, nothing more is written.
        #expect(FileBytes.read(root + "/f") == [9, 7, 7, 7, 7])
        #expect(throws: AeonError.self) { try file.write([1], at: 0) }
    }

    @Test("a created file's entry, a rename and an unlink revert unless the directory is synced")
    func directorySync() throws {
        let dir = TemporaryDirectory()
        let root = dir.child("root")
        try SystemFileIO().makeDirectory(root)
        FileBytes.write(root + "/old", [1])
        let io = try PowerLossFileIO(root: root)
        let created = try StorageFile(io: io, path: root + "/new", access: .readWrite, create: true)
        try created.write([5], at: 0)
        try created.sync()
        try io.rename(root + "/old", to: root + "/renamed")
        var path = try materialize(io.cut(), in: dir)
        #expect(Set(try SystemFileIO().list(path)) == ["old"])

        let dir2 = TemporaryDirectory()
        let root2 = dir2.child("root")
        try SystemFileIO().makeDirectory(root2)
        FileBytes.write(root2 + "/old", [1])
        let io2 = try PowerLossFileIO(root: root2)
        let made = try StorageFile(io: io2, path: root2 + "/new", access: .readWrite, create: true)
        try made.write([5], at: 0)
        try made.sync()
        try io2.rename(root2 + "/old", to: root2 + "/renamed")
        try io2.syncDirectory(root2)
        try io2.remove(root2 + "/new")
        path = try materialize(io2.cut(), in: dir2)
        #expect(Set(try SystemFileIO().list(path)) == ["new", "renamed"])
        #expect(FileBytes.read(path + "/new") == [5])
    }

    @Test("a dropped sync succeeds and makes nothing durable")
    func droppedSync() throws {
        let dir = TemporaryDirectory()
        let root = dir.child("root")
        try SystemFileIO().makeDirectory(root)
        FileBytes.write(root + "/f", [1, 2])
        let io = try PowerLossFileIO(root: root, options: .init(dropSync: { !$0.isDirectory }))
        let file = try StorageFile(io: io, path: root + "/f", access: .readWrite)
        try file.write([3], at: 0)
        try file.sync()
        let path = try materialize(io.cut(), in: dir)
        #expect(FileBytes.read(path + "/f") == [1, 2])
    }

    @Test("a torn cut keeps each unsynced sector whole or not at all")
    func tornSectors() throws {
        let dir = TemporaryDirectory()
        let root = dir.child("root")
        try SystemFileIO().makeDirectory(root)
        FileBytes.write(root + "/f", [UInt8](repeating: 1, count: 8 * 512))
        let io = try PowerLossFileIO(root: root)
        let file = try StorageFile(io: io, path: root + "/f", access: .readWrite)
        try file.write([UInt8](repeating: 2, count: 8 * 512), at: 0)
        let image = io.cut()
        var sawOld = false, sawNew = false
        for seed in 1...8 as ClosedRange<UInt64> {
            let out = TemporaryDirectory()
            let bytes = FileBytes.read(try materialize(image, in: out, torn: true, seed: seed) + "/f")
            #expect(bytes.count == 8 * 512)
            for sector in 0..<8 {
                let piece = Set(bytes[(sector * 512)..<((sector + 1) * 512)])
                #expect(piece == [1] || piece == [2], "sector \(sector) is whole")
                if piece == [2] { sawNew = true } else { sawOld = true }
            }
        }
        #expect(sawOld && sawNew, "some unsynced sectors reach the disk, some do not")
    }

    @Test("a cut after the k-th sync point freezes every later call")
    func automaticCut() throws {
        let dir = TemporaryDirectory()
        let root = dir.child("root")
        try SystemFileIO().makeDirectory(root)
        let io = try PowerLossFileIO(root: root, options: .init(cutAfterSyncPoint: 2))
        let file = try StorageFile(io: io, path: root + "/f", access: .readWrite, create: true)
        try file.write([1], at: 0)
        try file.sync()
        try io.syncDirectory(root)
        #expect(io.isCut)
        #expect(throws: AeonError.self) { try file.write([2], at: 1) }
        let path = try materialize(io.cut(), in: dir)
        #expect(FileBytes.read(path + "/f") == [1])
    }
}

/// The power-loss crash test: it passes on the engine, and it fails when any class of sync the
/// engine relies on is switched off. A green run of a test that cannot fail proves nothing.
@Suite("power loss")
struct PowerLossTests {
    @Test("random cuts in all three durability modes lose nothing promised, leave no holes and no damage")
    func randomCuts() throws {
        let dir = TemporaryDirectory()
        let report = try PowerLossHarness.run(.init(directory: dir.path, iterations: 45, seed: 20261202, maxOperations: 30))
        #expect(!report.failed, "\(report.summary)\n\(report.problems.prefix(10).joined(separator: "\n"))")
        #expect(report.iterations == 45)
        #expect(report.checked > 50, "enough acknowledged writes were required to survive: \(report.summary)")
    }

    @Test("a cut after each sync point of a fixed workload in turn loses nothing acknowledged", arguments: [
        Durability.synchronous, .none,
    ])
    func everySyncPoint(mode: Durability) throws {
        let dir = TemporaryDirectory()
        let report = try PowerLossHarness.sweep(.init(directory: dir.path, iterations: 0, seed: 11, modes: [mode]), operations: 24)
        #expect(!report.failed, "\(report.summary)\n\(report.problems.prefix(10).joined(separator: "\n"))")
        #expect(report.iterations > 24, "the workload has a sync point per operation at least: \(report.iterations) cut points")
    }

    @Test("switching off one class of sync makes the power-loss test fail", arguments: PowerLossHarness.SyncClass.allCases)
    func droppedSyncsAreSeen(dropped: PowerLossHarness.SyncClass) throws {
        let dir = TemporaryDirectory()
        let report = try PowerLossHarness.run(.init(
            directory: dir.path, iterations: 150, seed: 4, maxOperations: 30, dropSync: { dropped.matches($0) }, stopAtFirstFailure: true))
        #expect(report.failed, "without \(dropped.rawValue) syncs, \(report.iterations) iterations found nothing: \(report.summary)")
    }
}
