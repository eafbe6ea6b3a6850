

/// An in-process backend that keeps values as they are: no copy, no encoding.
///
/// Like dogpile.cache's `memory` backend it is unbounded by default and never drops stale values on
/// its own. Give it `maxEntries` to bound it: when a new key arrives at the bound, one entry is
/// evicted by its ``EvictionPolicy``, Window TinyLFU unless you choose LRU. A value just stored is
/// always kept at first; with TinyLFU, a key used once does not later push out one used more often.
///
/// Because values are not copied, a reference-type payload changed after it was cached changes the
/// cached value too; cache value types.
public final class MemoryBackend: SynchronousCacheStorage, ReadsAsMemoryBackend {
    private let store: LockedValue<MemoryStore>

    /// Creates an unbounded memory backend.
    public init() {
        store = LockedValue(MemoryStore(maxEntries: nil))
    }

    /// Creates a memory backend holding at most `maxEntries` values, evicting by `policy`.
    ///
    /// - Throws: ``CacheError`` with code `invalidConfiguration` when `maxEntries` is less than 1.
    public init(maxEntries: Int, policy: EvictionPolicy = .tinyLFU) throws {
        guard maxEntries >= 1 else {
            throw CacheError(.invalidConfiguration, "MemoryBackend maxEntries must be at least 1, got \(maxEntries)")
        }
        store = LockedValue(MemoryStore(maxEntries: maxEntries, policy: policy))
    }

    /// The bound given at creation, or `nil` when unbounded.
    public var maxEntries: Int? {
        store.withLock { $0.maxEntries }
    }

    /// The policy that picks which entry to evict at the bound.
    public var evictionPolicy: EvictionPolicy {
        store.withLock { $0.policy }
    }

    /// The number of values held now, stale ones included.
    public var count: Int {
        store.withLock { $0.count }
    }

    /// The value stored under `key`, or `nil`.
    public nonisolated(nonsending) func get(_ key: String) async throws -> CachedValue? {
        storedValue(for: key)
    }

    /// The value stored under `key`, or `nil`, read without suspending.
    public func storedValue(for key: String) -> CachedValue? {
        store.withLock { $0.value(for: key) }
    }

    /// The values stored under `keys`, in order, read under one lock.
    public nonisolated(nonsending) func getMulti(_ keys: [String]) async throws -> [CachedValue?] {
        storedValues(for: keys)
    }

    /// The values stored under `keys`, in order, read under one lock without suspending.
    public func storedValues(for keys: [String]) -> [CachedValue?] {
        store.withLock { store in keys.map { store.value(for: $0) } }
    }

    /// Stores `value` under `key`.
    public nonisolated(nonsending) func set(_ key: String, _ value: CachedValue) async throws {
        storeValue(value, for: key)
    }

    /// Stores `value` under `key` without suspending.
    public func storeValue(_ value: CachedValue, for key: String) {
        // The displaced value is released here, after the lock: a payload's deinit may call back in.
        _ = store.withLock { $0.setValue(value, for: key) }
    }

    /// Stores every entry under one lock.
    public nonisolated(nonsending) func setMulti(_ entries: [(key: String, value: CachedValue)]) async throws {
        storeValues(entries)
    }

    /// Stores every entry under one lock without suspending.
    public func storeValues(_ entries: [(key: String, value: CachedValue)]) {
        // The displaced values are released here, after the lock.
        _ = store.withLock { store in
            entries.map { store.setValue($0.value, for: $0.key) }
        }
    }

    /// Removes `key` if present.
    public nonisolated(nonsending) func delete(_ key: String) async throws {
        _ = store.withLock { $0.removeValue(for: key) }
    }

    /// Removes every key in `keys` under one lock.
    public nonisolated(nonsending) func deleteMulti(_ keys: [String]) async throws {
        _ = store.withLock { store in
            keys.map { store.removeValue(for: $0) }
        }
    }
}

extension MemoryBackend {
    /// Itself.
    var memoryBackend: MemoryBackend { self }
}
