import Synchronization
@testable import Aeon

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A ``FileIO`` that behaves like the real one until told to fail: the Nth write with an errno
/// or as a short write, or the Nth sync. Counts from the moment a fault is armed.
final class FaultyFileIO: FileIO, @unchecked Sendable {
    enum Fault: Equatable {
        case writeError(errno: Int32)
        case shortWrite
        case syncError
        /// A write through a descriptor from ``openDirect(_:)`` fails (others go on).
        case directWriteError(errno: Int32)
        /// A sync made on any thread but `thread` (a `pthread_t` as an integer) fails with EIO.
        case syncErrorOffThread(UInt)
    }

    /// The calling thread, for ``Fault/syncErrorOffThread(_:)``.
    static var currentThread: UInt {
        #if canImport(Glibc)
        UInt(pthread_self())
        #else
        UInt(bitPattern: pthread_self())
        #endif
    }

    private let real = SystemFileIO()
    private let state = Locked<(fault: Fault?, countdown: Int, fired: Bool)>((nil, 0, false))

    /// Fails the `n`th (1-based) matching operation from now.
    func arm(_ fault: Fault, at n: Int) { state.withLock { $0 = (fault, n, false) } }
    var fired: Bool { state.withLock { $0.fired } }

    private func trigger(_ kind: (Fault) -> Bool) -> Fault? {
        state.withLock { s in
            guard let fault = s.fault, kind(fault), !s.fired else { return nil }
            s.countdown -= 1
            guard s.countdown == 0 else { return nil }
            s.fired = true
            return fault
        }
    }

    func write(_ fd: Int32, from buffer: UnsafeRawBufferPointer, at offset: UInt64, path: String) throws(AeonError) -> Int {
        let direct = directFDs.withLock { $0.contains(fd) }
        switch trigger({
            switch $0 {
            case .syncError, .syncErrorOffThread: false
            case .directWriteError: direct
            default: true
            }
        }) {
        case .writeError(let code), .directWriteError(let code):
            throw AeonError(code == ENOSPC ? .noSpace : .io, "injected write failure", path: path, offset: offset, errno: code)
        case .shortWrite:
            // Half the bytes reach the file (whole pages through a direct descriptor, as the
            // kernel would); the next call gets the disk full.
            let half = direct ? max(directIOAlignment, buffer.count / 2 / directIOAlignment * directIOAlignment) : max(1, buffer.count / 2)
            _ = try real.write(fd, from: UnsafeRawBufferPointer(rebasing: buffer[0..<half]), at: offset, path: path)
            arm(.writeError(errno: ENOSPC), at: 1)
            return half
        default:
            return try real.write(fd, from: buffer, at: offset, path: path)
        }
    }

    /// Syncs held back: while set, every sync waits (counted in ``syncsWaiting``) until released.
    private let held = Locked<(holding: Bool, waiting: Int)>((false, 0))
    func holdSyncs() { held.withLock { $0.holding = true } }
    func releaseSyncs() { held.withLock { $0.holding = false } }
    var syncsWaiting: Int { held.withLock { $0.waiting } }

    func sync(_ fd: Int32, metadata: Bool, path: String) throws(AeonError) {
        if held.withLock({ $0.holding }) {
            held.withLock { $0.waiting += 1 }
            while held.withLock({ $0.holding }) { usleep(1000) }
            held.withLock { $0.waiting -= 1 }
        }
        let here = Self.currentThread
        if trigger({
            if case .syncErrorOffThread(let thread) = $0 { return thread != here }
            return $0 == .syncError
        }) != nil {
            throw AeonError(.io, "injected fsync failure", path: path, errno: EIO)
        }
        try real.sync(fd, metadata: metadata, path: path)
    }

    func open(_ path: String, access: FileAccess, create: Bool, exclusive: Bool, truncate: Bool) throws(AeonError) -> Int32 {
        try real.open(path, access: access, create: create, exclusive: exclusive, truncate: truncate)
    }
    /// Descriptors opened for direct writes, and how many were.
    private let directFDs = Locked<Set<Int32>>([])
    private let directOpenCount = Atomic<Int>(0)
    var directOpens: Int { directOpenCount.load(ordering: .relaxed) }

    func openDirect(_ path: String) throws(AeonError) -> Int32? {
        guard let fd = try real.openDirect(path) else { return nil }
        directFDs.withLock { _ = $0.insert(fd) }
        directOpenCount.add(1, ordering: .relaxed)
        return fd
    }
    func close(_ fd: Int32, path: String) throws(AeonError) {
        directFDs.withLock { _ = $0.remove(fd) }
        try real.close(fd, path: path)
    }
    func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, path: String) throws(AeonError) -> Int {
        try real.read(fd, into: buffer, at: offset, path: path)
    }
    func resize(_ fd: Int32, to size: UInt64, path: String) throws(AeonError) { try real.resize(fd, to: size, path: path) }
    func size(_ fd: Int32, path: String) throws(AeonError) -> UInt64 { try real.size(fd, path: path) }
    func tryLock(_ fd: Int32, exclusive: Bool, path: String) throws(AeonError) -> Bool { try real.tryLock(fd, exclusive: exclusive, path: path) }
    func map(_ fd: Int32, length: Int, path: String) throws(AeonError) -> UnsafeRawPointer { try real.map(fd, length: length, path: path) }
    func unmap(_ address: UnsafeRawPointer, length: Int) { real.unmap(address, length: length) }
    func rename(_ from: String, to: String) throws(AeonError) { try real.rename(from, to: to) }
    func remove(_ path: String) throws(AeonError) { try real.remove(path) }
    func makeDirectory(_ path: String) throws(AeonError) { try real.makeDirectory(path) }
    func syncDirectory(_ path: String) throws(AeonError) { try real.syncDirectory(path) }
    func exists(_ path: String) -> (exists: Bool, isDirectory: Bool) { real.exists(path) }
    func list(_ path: String) throws(AeonError) -> [String] { try real.list(path) }
}
