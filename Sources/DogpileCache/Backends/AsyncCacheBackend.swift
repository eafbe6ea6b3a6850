/// Where a region's values live.
///
/// A backend stores ``CachedValue``s under string keys. Keys reach it already mangled by the region.
/// Every operation may throw; by default the region treats a failed read as a miss and a failed write
/// as a logged non-event, so a broken cache never fails a request (see ``BackendErrorPolicy``).
///
/// Only ``get(_:)``, ``set(_:_:)`` and ``delete(_:)`` are required: the multi-key operations loop over
/// them by default, and real backends override them to batch.
public protocol AsyncCacheBackend: Sendable {
    /// The value stored under `key`, or `nil` when there is none.
    nonisolated(nonsending) func get(_ key: String) async throws -> CachedValue?
    /// The values stored under `keys`, in the same order, `nil` where there is none.
    /// An empty `keys` returns `[]`.
    nonisolated(nonsending) func getMulti(_ keys: [String]) async throws -> [CachedValue?]
    /// Stores `value` under `key`, replacing what was there.
    nonisolated(nonsending) func set(_ key: String, _ value: CachedValue) async throws
    /// Stores every entry; later entries win for repeated keys. An empty list does nothing.
    nonisolated(nonsending) func setMulti(_ entries: [(key: String, value: CachedValue)]) async throws
    /// Removes `key`. Removing a missing key is not an error.
    nonisolated(nonsending) func delete(_ key: String) async throws
    /// Removes every key in `keys`. Missing keys are not an error.
    nonisolated(nonsending) func deleteMulti(_ keys: [String]) async throws
    /// A lock for `key` shared across processes, or `nil` (the default) to rely on the region's
    /// in-process single flight.
    func mutex(for key: String) -> (any CacheMutex)?
    /// The key mangler a region uses with this backend when the region has none of its own, such as a
    /// digest for a backend that limits key length; `nil` (the default) for none.
    var keyMangler: KeyMangler? { get }
    /// Whether the backend stores bytes rather than objects (default `false`). The region then hands
    /// it values whose payload is a `[UInt8]` value record, encoded with its ``CacheSerializer``, and
    /// decodes what it reads; bytes that are not a record of this format version are misses. Such a
    /// backend need keep only the payload bytes: the region reads the metadata from the record.
    var storesBytes: Bool { get }
}

extension AsyncCacheBackend {
    /// Reads each key with ``get(_:)``, one after another.
    public nonisolated(nonsending) func getMulti(_ keys: [String]) async throws -> [CachedValue?] {
        var values: [CachedValue?] = []
        values.reserveCapacity(keys.count)
        for key in keys {
            values.append(try await get(key))
        }
        return values
    }

    /// Stores each entry with ``set(_:_:)``, one after another.
    public nonisolated(nonsending) func setMulti(_ entries: [(key: String, value: CachedValue)]) async throws {
        for entry in entries {
            try await set(entry.key, entry.value)
        }
    }

    /// Removes each key with ``delete(_:)``, one after another.
    public nonisolated(nonsending) func deleteMulti(_ keys: [String]) async throws {
        for key in keys {
            try await delete(key)
        }
    }

    /// No mangler of the backend's own.
    public var keyMangler: KeyMangler? { nil }

    /// Objects, not bytes.
    public var storesBytes: Bool { false }

    /// No cross-process lock: the region's in-process single flight decides who creates.
    public func mutex(for key: String) -> (any CacheMutex)? {
        nil
    }
}
