import CoreMetrics

/// An in-process backend that keeps values as they are: no copy, no encoding.
///
/// Like dogpile.cache's `memory` backend it is unbounded by default and never drops stale values on
/// its own. Bound it by entries, by weight or both with a ``Configuration``: when a store operation
/// goes over a bound, entries are evicted by the ``EvictionPolicy``, Window TinyLFU unless you choose
/// LRU. A value just stored is always kept at first; with TinyLFU, a key used once does not later
/// push out one used more often. ``Configuration/onEviction`` hears of every value that leaves.
///
/// The store is split by key hash into shards, each with its own lock, so that threads on different
/// keys rarely wait for each other.
///
/// Because values are not copied, a reference-type payload changed after it was cached changes the
/// cached value too; cache value types.
public final class MemoryBackend: SynchronousCacheStorage, ReadsAsMemoryBackend {
    private let shards: LockedShards<MemoryStore>
    /// `cache.evictions`, cause `size` and cause `weight`.
    private let evictions: (size: Counter, weight: Counter)
    /// The configuration the backend was made with.
    public let configuration: Configuration

    /// Creates an unbounded memory backend.
    public convenience init() {
        // The default configuration is valid.
        try! self.init(configuration: Configuration())
    }

    /// Creates a memory backend holding at most `maxEntries` values, evicting by `policy`.
    ///
    /// - Throws: ``CacheError`` with code `invalidConfiguration` when `maxEntries` is less than 1.
    public convenience init(maxEntries: Int, policy: EvictionPolicy = .tinyLFU) throws {
        try self.init(configuration: Configuration(maxEntries: maxEntries, evictionPolicy: policy))
    }

    /// Creates a memory backend bounded, split and observed as `configuration` says.
    ///
    /// - Throws: ``CacheError`` with code `invalidConfiguration` naming a setting out of range.
    public init(configuration: Configuration) throws {
        try configuration.validate()
        self.configuration = configuration
        let factory = configuration.metricsFactory ?? MetricsSystem.factory
        evictions = (
            Counter(label: "cache.evictions", dimensions: [("backend", configuration.name), ("cause", "size")], factory: factory),
            Counter(label: "cache.evictions", dimensions: [("backend", configuration.name), ("cause", "weight")], factory: factory)
        )
        let shardCount = configuration.effectiveShardCount
        shards = LockedShards(count: shardCount) { shard in
            MemoryStore(
                maxEntries: configuration.maxEntries.map { Self.share(of: $0, shard: shard, shardCount: shardCount) },
                maxWeight: configuration.maxWeight.map { Self.share(of: $0, shard: shard, shardCount: shardCount) },
                policy: configuration.evictionPolicy
            )
        }
    }

    /// Shard `shard`'s part of `bound`: the bound divided, the remainder spread over the first
    /// shards, so that the parts add up to exactly `bound`.
    private static func share(of bound: Int, shard: Int, shardCount: Int) -> Int {
        bound / shardCount + (shard < bound % shardCount ? 1 : 0)
    }

    /// The bound on entries, or `nil` when there is none.
    public var maxEntries: Int? {
        configuration.maxEntries
    }

    /// The policy that picks which entry to evict at a bound.
    public var evictionPolicy: EvictionPolicy {
        configuration.evictionPolicy
    }

    /// The number of values held now, stale ones included.
    public var count: Int {
        shards.sum { $0.count }
    }

    /// The total weight of the values held now, by the configuration's weigher; 0 unless
    /// ``Configuration/maxWeight`` is set.
    public var totalWeight: Int {
        shards.sum { $0.totalWeight }
    }

    /// Runs `body` under the lock of the shard that holds the key with `hash`, its `hashValue`:
    /// the shard is picked by the hash's high bits, where its ``KeyIndex`` uses the low ones.
    ///
    @inline(__always)
    private func withShard<Result>(for hash: Int, _ body: (inout MemoryStore) -> Result) -> Result {
        // Range reduction by multiplication: the high word of hash × count is in 0..<count.
        shards.withLock(shard: Int(UInt(bitPattern: hash).multipliedFullWidth(by: UInt(shards.count)).high), body)
    }

    /// Hands what an operation removed to the eviction listener and counts the evictions in
    /// `cache.evictions`, after the lock; the values are released when `removed` goes, also after
    /// the lock.
    private func report(_ removed: RemovedValues) {
        guard !removed.isEmpty else { return }
        removed.forEach { removal in
            if removal.cause == .size {
                evictions.size.increment()
            } else if removal.cause == .weight {
                evictions.weight.increment()
            }
            configuration.onEviction?(removal)
        }
    }

    /// The weight of `value` under `key`, when the store is bounded by weight.
    ///
    /// - Throws: `invalidConfiguration` when the weigher returns a negative weight.
    private func weight(of value: CachedValue, for key: String) throws -> Int {
        guard configuration.maxWeight != nil else { return 0 }
        let weight = configuration.weigher(key, value)
        guard weight >= 0 else {
            throw CacheError(.invalidConfiguration, "MemoryBackend's weigher returned \(weight) for key '\(key)'; weights must not be negative")
        }
        return weight
    }

    /// The value stored under `key`, or `nil`.
    public nonisolated(nonsending) func get(_ key: String) async throws -> CachedValue? {
        storedValue(for: key)
    }

    /// The value stored under `key`, or `nil`, read without suspending.
    public func storedValue(for key: String) -> CachedValue? {
        let hash = key.hashValue
        return withShard(for: hash) { $0.value(for: key, hash: hash) }
    }

    /// The values stored under `keys`, in order.
    public nonisolated(nonsending) func getMulti(_ keys: [String]) async throws -> [CachedValue?] {
        storedValues(for: keys)
    }

    /// The values stored under `keys`, in order, read without suspending.
    public func storedValues(for keys: [String]) -> [CachedValue?] {
        keys.map { storedValue(for: $0) }
    }

    /// Stores `value` under `key`.
    ///
    /// - Throws: `invalidConfiguration` when the weigher returns a negative weight.
    public nonisolated(nonsending) func set(_ key: String, _ value: CachedValue) async throws {
        try storeValue(value, for: key)
    }

    /// Stores `value` under `key` without suspending.
    ///
    /// - Throws: `invalidConfiguration` when the weigher returns a negative weight.
    public func storeValue(_ value: CachedValue, for key: String) throws {
        let weight = try weight(of: value, for: key)
        let hash = key.hashValue
        var removed = RemovedValues()
        withShard(for: hash) { $0.setValue(value, for: key, hash: hash, weight: weight, removed: &removed) }
        report(removed)
    }

    /// Stores every entry, later entries winning for repeated keys.
    ///
    /// - Throws: `invalidConfiguration` when the weigher returns a negative weight; nothing is
    ///   stored then.
    public nonisolated(nonsending) func setMulti(_ entries: [(key: String, value: CachedValue)]) async throws {
        try storeValues(entries)
    }

    /// Stores every entry without suspending, later entries winning for repeated keys.
    ///
    /// - Throws: `invalidConfiguration` when the weigher returns a negative weight; nothing is
    ///   stored then.
    public func storeValues(_ entries: [(key: String, value: CachedValue)]) throws {
        let weights = try entries.map { try weight(of: $0.value, for: $0.key) }
        var removed = RemovedValues()
        for (entry, weight) in zip(entries, weights) {
            let hash = entry.key.hashValue
            withShard(for: hash) {
                $0.setValue(entry.value, for: entry.key, hash: hash, weight: weight, removed: &removed)
            }
        }
        report(removed)
    }

    /// Removes `key` if present.
    public nonisolated(nonsending) func delete(_ key: String) async throws {
        let hash = key.hashValue
        var removed = RemovedValues()
        withShard(for: hash) { $0.removeValue(for: key, hash: hash, removed: &removed) }
        report(removed)
    }

    /// Removes every key in `keys`.
    public nonisolated(nonsending) func deleteMulti(_ keys: [String]) async throws {
        var removed = RemovedValues()
        for key in keys {
            let hash = key.hashValue
            withShard(for: hash) { $0.removeValue(for: key, hash: hash, removed: &removed) }
        }
        report(removed)
    }
}

extension MemoryBackend {
    /// Itself.
    var memoryBackend: MemoryBackend { self }
}
