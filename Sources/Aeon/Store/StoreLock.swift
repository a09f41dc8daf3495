/// The writer's exclusive `flock` on the store's `LOCK` file, held from open to close. The
/// kernel drops it when the process dies, so a crash never leaves a store locked.
final class StoreLock: @unchecked Sendable {
    // Mutated only by `release`, which the store calls once under its state lock.
    private var file: StorageFile?

    init(io: any FileIO, directory: String) throws(AeonError) {
        let path = directory + "/" + StoreFileNames.lock
        let file = try StorageFile(io: io, path: path, access: .readWrite, create: true)
        guard try file.tryLock(exclusive: true) else {
            throw AeonError(.locked, "another process has this store open for writing", path: directory)
        }
        self.file = file
    }

    func release() throws(AeonError) {
        let file = self.file
        self.file = nil
        try file?.close()
    }
}
