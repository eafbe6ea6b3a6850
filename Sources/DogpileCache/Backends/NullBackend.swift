/// A backend that stores nothing: every read is a miss and writes are dropped.
///
/// Configure a region with it to switch caching off without changing the code that uses the region;
/// creators then run on every call (concurrent callers of one key still share one creation).
public struct NullBackend: AsyncCacheBackend {
    /// Creates the null backend.
    public init() {}

    /// Always `nil`.
    public nonisolated(nonsending) func get(_ key: String) async throws -> CachedValue? { nil }
    /// Always `nil` for every key.
    public nonisolated(nonsending) func getMulti(_ keys: [String]) async throws -> [CachedValue?] {
        Array(repeating: nil, count: keys.count)
    }
    /// Does nothing.
    public nonisolated(nonsending) func set(_ key: String, _ value: CachedValue) async throws {}
    /// Does nothing.
    public nonisolated(nonsending) func setMulti(_ entries: [(key: String, value: CachedValue)]) async throws {}
    /// Does nothing.
    public nonisolated(nonsending) func delete(_ key: String) async throws {}
    /// Does nothing.
    public nonisolated(nonsending) func deleteMulti(_ keys: [String]) async throws {}
}
