/// An in-process backend that stores bytes, like dogpile.cache's `memory_pickle`: every value goes
/// through the region's serializer and is read back as a copy.
///
/// Use it to test the serialization path without a server, or when cached values must not share
/// state with the objects they were made from. Bounded like ``MemoryBackend``, by entries, weight or both.
public final class BytesMemoryBackend: SynchronousCacheStorage, ReadsAsMemoryBackend {
    private let storage: MemoryBackend

    /// Creates an unbounded byte-storing backend.
    public init() {
        storage = MemoryBackend()
    }

    /// Creates a byte-storing backend holding at most `maxEntries` values, evicting by `policy`.
    ///
    /// - Throws: `invalidConfiguration` when `maxEntries` is less than 1.
    public init(maxEntries: Int, policy: MemoryBackend.EvictionPolicy = .tinyLFU) throws {
        storage = try MemoryBackend(maxEntries: maxEntries, policy: policy)
    }

    /// Creates a byte-storing backend bounded, split and observed as `configuration` says; its
    /// weigher and eviction listener see the value records as stored, with `[UInt8]` payloads.
    ///
    /// - Throws: `invalidConfiguration` naming a setting out of range.
    public init(configuration: MemoryBackend.Configuration) throws {
        storage = try MemoryBackend(configuration: configuration)
    }

    /// The configuration the backend was made with.
    public var configuration: MemoryBackend.Configuration { storage.configuration }

    /// `true`: the region stores value records.
    public var storesBytes: Bool { true }

    /// The number of values held now.
    public var count: Int { storage.count }

    /// The record stored under `key`, or `nil`.
    public nonisolated(nonsending) func get(_ key: String) async throws -> CachedValue? {
        storedValue(for: key)
    }

    /// The record stored under `key`, or `nil`, read without suspending.
    public func storedValue(for key: String) -> CachedValue? {
        storage.storedValue(for: key)
    }

    /// The records stored under `keys`, in order.
    public nonisolated(nonsending) func getMulti(_ keys: [String]) async throws -> [CachedValue?] {
        storedValues(for: keys)
    }

    /// The records stored under `keys`, in order, read without suspending.
    public func storedValues(for keys: [String]) -> [CachedValue?] {
        storage.storedValues(for: keys)
    }

    /// Stores a record.
    ///
    /// - Throws: `serializationFailed` when the payload is not bytes, `invalidConfiguration` when
    ///   the weigher returns a negative weight.
    public nonisolated(nonsending) func set(_ key: String, _ value: CachedValue) async throws {
        try storeValues([(key, value)])
    }

    /// Stores every record.
    ///
    /// - Throws: `serializationFailed` when a payload is not bytes, `invalidConfiguration` when the
    ///   weigher returns a negative weight; nothing is stored then.
    public nonisolated(nonsending) func setMulti(_ entries: [(key: String, value: CachedValue)]) async throws {
        try storeValues(entries)
    }

    /// Stores every record without suspending.
    ///
    /// - Throws: `serializationFailed` when a payload is not bytes, `invalidConfiguration` when the
    ///   weigher returns a negative weight; nothing is stored then.
    public func storeValues(_ entries: [(key: String, value: CachedValue)]) throws {
        try storage.storeValues(try entries.map { (key: $0.key, value: try Self.checked($0.value)) })
    }

    /// Removes `key` if present.
    public nonisolated(nonsending) func delete(_ key: String) async throws {
        try await storage.delete(key)
    }

    /// Removes every key in `keys`.
    public nonisolated(nonsending) func deleteMulti(_ keys: [String]) async throws {
        try await storage.deleteMulti(keys)
    }

    private static func checked(_ value: CachedValue) throws -> CachedValue {
        guard value.payload is [UInt8] else {
            throw CacheError(.serializationFailed, "BytesMemoryBackend stores bytes, got a \(type(of: value.payload))")
        }
        return value
    }
}

extension BytesMemoryBackend {
    /// The memory backend that holds the records.
    var memoryBackend: MemoryBackend { storage }
}
