/// A fixed array of values, each behind its own lock, locked by index without reference counting:
/// the shards of a ``MemoryBackend``.
///
/// Locking a ``LockedValue`` read out of an array retains its storage first and releases it after,
/// two atomic operations on every hit, which measured a tenth of a bounded store's hit
/// (`HitProfile bounded`, perf). So the lock is reached through an unretained reference.
///
/// Safety: `owned` holds a strong reference to every storage for the whole life of this value, and
/// `unretained` refers to the same objects; both arrays are immutable. A caller can only reach
/// `unretained` through this value, which it holds, so the storages outlive every use.
struct LockedShards<Value> {
    private let owned: [LockedValue<Value>]
    private let unretained: [Unmanaged<LockedValue<Value>.Storage>]

    /// `count` shards, shard `index` holding `makeValue(index)`.
    init(count: Int, _ makeValue: (Int) -> Value) {
        owned = (0..<count).map { LockedValue(makeValue($0)) }
        unretained = owned.map { Unmanaged.passUnretained($0.storage) }
    }

    /// The number of shards.
    var count: Int { unretained.count }

    /// Runs `body` with exclusive access to shard `index`.
    @inline(__always)
    func withLock<Result>(shard index: Int, _ body: (inout Value) throws -> Result) rethrows -> Result {
        try unretained[index]._withUnsafeGuaranteedRef { try $0.withLock(body) }
    }

    /// The sum of `part` over the shards, each read under its lock.
    func sum(_ part: (inout Value) -> Int) -> Int {
        owned.reduce(0) { total, shard in total + shard.withLock(part) }
    }
}

// @unchecked: `unretained` only refers to the storages of `owned`, which is Sendable when `Value` is,
// and is never mutated.
extension LockedShards: @unchecked Sendable where Value: Sendable {}
