/// When an acknowledged write is safe.
public enum Durability: Sendable, Hashable {
    /// On stable storage before the call returns: the log is written and `fdatasync`ed
    /// (`F_FULLFSYNC` on Apple). Concurrent writers share one write and one sync (group commit).
    case synchronous
    /// Written to the operating system before the call returns (a process crash loses nothing);
    /// made durable by a sync at most `milliseconds` later (a power loss may lose that window).
    /// Windows are clamped to 0…3,600,000 ms.
    case batched(milliseconds: Int)
    /// Written to the operating system before the call returns; synced only at checkpoints,
    /// segment switches and `sync()`.
    case none
}
