import Logging

/// A proxy that logs every backend operation: its name, keys, outcome and duration.
///
/// ```swift
/// try await region.configure(backend: MemoryBackend(), wrap: [LoggingProxy(level: .info)])
/// ```
public struct LoggingProxy: ProxyBackend {
    /// The backend the operations go to.
    public var proxied: any AsyncCacheBackend
    /// Where the lines go. Default label: `dogpile.cache.backend`.
    public var logger: Logger
    /// The level of lines for operations that succeed (default `.debug`); failures are logged one
    /// level higher.
    public var level: Logger.Level

    /// Creates a logging proxy, for `configure(wrap:)` (which sets what it proxies) or in front of `backend`.
    public init(
        logger: Logger = Logger(label: "dogpile.cache.backend"),
        level: Logger.Level = .debug,
        proxying backend: any AsyncCacheBackend = NullBackend()
    ) {
        self.proxied = backend
        self.logger = logger
        self.level = level
    }

    /// Logs and forwards.
    public nonisolated(nonsending) func get(_ key: String) async throws -> CachedValue? {
        try await logged("get", keys: [key]) { try await proxied.get(key) } outcome: { $0 == nil ? "miss" : "hit" }
    }

    /// Logs and forwards.
    public nonisolated(nonsending) func getMulti(_ keys: [String]) async throws -> [CachedValue?] {
        try await logged("getMulti", keys: keys) { try await proxied.getMulti(keys) } outcome: { values in
            "\(values.compactMap { $0 }.count) of \(values.count) found"
        }
    }

    /// Logs and forwards.
    public nonisolated(nonsending) func set(_ key: String, _ value: CachedValue) async throws {
        try await logged("set", keys: [key]) { try await proxied.set(key, value) }
    }

    /// Logs and forwards.
    public nonisolated(nonsending) func setMulti(_ entries: [(key: String, value: CachedValue)]) async throws {
        try await logged("setMulti", keys: entries.map(\.key)) { try await proxied.setMulti(entries) }
    }

    /// Logs and forwards.
    public nonisolated(nonsending) func delete(_ key: String) async throws {
        try await logged("delete", keys: [key]) { try await proxied.delete(key) }
    }

    /// Logs and forwards.
    public nonisolated(nonsending) func deleteMulti(_ keys: [String]) async throws {
        try await logged("deleteMulti", keys: keys) { try await proxied.deleteMulti(keys) }
    }

    private func logged<Result>(
        _ operation: String,
        keys: [String],
        _ body: () async throws -> Result,
        outcome: (Result) -> String = { _ in "ok" }
    ) async throws -> Result {
        let started = ContinuousClock.now
        do {
            let result = try await body()
            logger.log(level: level, "backend \(operation)", metadata: metadata(keys, started, outcome(result)))
            return result
        } catch {
            let failureLevel = Logger.Level.allCases.first { $0 > level } ?? level
            logger.log(level: failureLevel, "backend \(operation) failed", metadata: metadata(keys, started, "\(error)"))
            throw error
        }
    }

    private func metadata(_ keys: [String], _ started: ContinuousClock.Instant, _ outcome: String) -> Logger.Metadata {
        [
            "keys": "\(keys.joined(separator: " ").prefix(300))",
            "outcome": "\(outcome)",
            "seconds": "\((ContinuousClock.now - started).seconds)",
        ]
    }
}
