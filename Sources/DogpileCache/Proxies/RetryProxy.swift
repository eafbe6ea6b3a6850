/// A proxy that retries failed backend operations, waiting longer after each failure.
///
/// A `CancellationError`, or a failure after the caller's task was cancelled, is never retried.
/// Waits suspend with `Task.sleep`; they never block a thread.
///
/// ```swift
/// try await region.configure(backend: memcached, wrap: [RetryProxy(attempts: 3, backoff: .milliseconds(5))])
/// ```
public struct RetryProxy: ProxyBackend {
    /// The backend the operations go to.
    public var proxied: any AsyncCacheBackend
    /// How many times an operation is tried in all, at least 1 (default 3).
    public let attempts: Int
    /// The wait after the first failure (default 10 ms); it doubles after each further failure, up to
    /// ``maximumBackoff``.
    public let backoff: Duration
    /// The longest wait between two tries (default 1 s).
    public let maximumBackoff: Duration

    /// Creates a retry proxy, for `configure(wrap:)` (which sets what it proxies) or in front of `backend`.
    ///
    /// - Throws: `invalidConfiguration` when `attempts` is below 1 or a duration is negative.
    public init(
        attempts: Int = 3,
        backoff: Duration = .milliseconds(10),
        maximumBackoff: Duration = .seconds(1),
        proxying backend: any AsyncCacheBackend = NullBackend()
    ) throws {
        guard attempts >= 1 else {
            throw CacheError(.invalidConfiguration, "RetryProxy attempts must be at least 1, got \(attempts)")
        }
        guard backoff >= .zero, maximumBackoff >= .zero else {
            throw CacheError(.invalidConfiguration, "RetryProxy backoffs must not be negative")
        }
        self.proxied = backend
        self.attempts = attempts
        self.backoff = backoff
        self.maximumBackoff = maximumBackoff
    }

    /// Forwards, retrying failures.
    public nonisolated(nonsending) func get(_ key: String) async throws -> CachedValue? {
        try await retrying { try await proxied.get(key) }
    }

    /// Forwards, retrying failures.
    public nonisolated(nonsending) func getMulti(_ keys: [String]) async throws -> [CachedValue?] {
        try await retrying { try await proxied.getMulti(keys) }
    }

    /// Forwards, retrying failures.
    public nonisolated(nonsending) func set(_ key: String, _ value: CachedValue) async throws {
        try await retrying { try await proxied.set(key, value) }
    }

    /// Forwards, retrying failures.
    public nonisolated(nonsending) func setMulti(_ entries: [(key: String, value: CachedValue)]) async throws {
        try await retrying { try await proxied.setMulti(entries) }
    }

    /// Forwards, retrying failures.
    public nonisolated(nonsending) func delete(_ key: String) async throws {
        try await retrying { try await proxied.delete(key) }
    }

    /// Forwards, retrying failures.
    public nonisolated(nonsending) func deleteMulti(_ keys: [String]) async throws {
        try await retrying { try await proxied.deleteMulti(keys) }
    }

    private func retrying<Result>(_ operation: () async throws -> Result) async throws -> Result {
        var wait = min(backoff, maximumBackoff)
        var attempt = 1
        while true {
            do {
                return try await operation()
            } catch {
                if error is CancellationError || Task.isCancelled || attempt >= attempts {
                    throw error
                }
            }
            attempt += 1
            try await Task.sleep(for: wait)
            wait = wait > maximumBackoff / 2 ? maximumBackoff : wait * 2
        }
    }
}
