import DogpileCache

/// A proxy for tests that adds latency and makes chosen operations fail, on every call or on a
/// fraction of calls drawn from a seeded generator (so a test run is repeatable).
///
/// ```swift
/// let faults = FaultInjectingProxy(failing: [.get], failureRate: 0.5, seed: 7)
/// try await region.configure(backend: MemoryBackend(), wrap: [faults])
/// ```
public struct FaultInjectingProxy: ProxyBackend {
    /// Backend operations a fault can be injected into.
    public struct Operations: OptionSet, Sendable {
        /// The raw bits.
        public let rawValue: Int
        /// Creates a set from raw bits.
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// `get`.
        public static let get = Operations(rawValue: 1 << 0)
        /// `getMulti`.
        public static let getMulti = Operations(rawValue: 1 << 1)
        /// `set`.
        public static let set = Operations(rawValue: 1 << 2)
        /// `setMulti`.
        public static let setMulti = Operations(rawValue: 1 << 3)
        /// `delete`.
        public static let delete = Operations(rawValue: 1 << 4)
        /// `deleteMulti`.
        public static let deleteMulti = Operations(rawValue: 1 << 5)
        /// Every read.
        public static let reads: Operations = [.get, .getMulti]
        /// Every write.
        public static let writes: Operations = [.set, .setMulti, .delete, .deleteMulti]
        /// Every operation.
        public static let all: Operations = [.reads, .writes]
    }

    /// The backend the operations go to.
    public var proxied: any AsyncCacheBackend
    /// Added before every operation (default none).
    public let latency: Duration
    /// The operations that fail.
    public let failing: Operations
    /// The fraction of calls of a failing operation that fail, from 0 to 1 (default 1: every call).
    public let failureRate: Double
    /// The error thrown by a failing call.
    public let error: any Error
    private let state: FaultState

    /// Creates a fault-injecting proxy, for `configure(wrap:)` or in front of `backend`.
    public init(
        latency: Duration = .zero,
        failing: Operations = [],
        failureRate: Double = 1,
        seed: UInt64 = 0,
        error: any Error = CacheError(.backendUnavailable, "injected fault"),
        proxying backend: any AsyncCacheBackend = NullBackend()
    ) {
        self.proxied = backend
        self.latency = latency
        self.failing = failing
        self.failureRate = failureRate.isNaN ? 0 : min(max(failureRate, 0), 1)
        self.error = error
        self.state = FaultState(seed: seed)
    }

    /// How many faults this proxy (and its copies) injected so far.
    public var injectedFaults: Int { state.injected }

    /// Forwards, after the latency, unless a fault is injected.
    public nonisolated(nonsending) func get(_ key: String) async throws -> CachedValue? {
        try await faultPoint(.get)
        return try await proxied.get(key)
    }

    /// Forwards, after the latency, unless a fault is injected.
    public nonisolated(nonsending) func getMulti(_ keys: [String]) async throws -> [CachedValue?] {
        try await faultPoint(.getMulti)
        return try await proxied.getMulti(keys)
    }

    /// Forwards, after the latency, unless a fault is injected.
    public nonisolated(nonsending) func set(_ key: String, _ value: CachedValue) async throws {
        try await faultPoint(.set)
        try await proxied.set(key, value)
    }

    /// Forwards, after the latency, unless a fault is injected.
    public nonisolated(nonsending) func setMulti(_ entries: [(key: String, value: CachedValue)]) async throws {
        try await faultPoint(.setMulti)
        try await proxied.setMulti(entries)
    }

    /// Forwards, after the latency, unless a fault is injected.
    public nonisolated(nonsending) func delete(_ key: String) async throws {
        try await faultPoint(.delete)
        try await proxied.delete(key)
    }

    /// Forwards, after the latency, unless a fault is injected.
    public nonisolated(nonsending) func deleteMulti(_ keys: [String]) async throws {
        try await faultPoint(.deleteMulti)
        try await proxied.deleteMulti(keys)
    }

    private func faultPoint(_ operation: Operations) async throws {
        if latency > .zero {
            try await Task.sleep(for: latency)
        }
        if failing.contains(operation), state.draw() < failureRate {
            state.recordFault()
            throw error
        }
    }
}

/// The seeded generator and fault count shared by a proxy and its copies.
private final class FaultState: Sendable {
    private let state: LockedValue<(generator: SplitMix64, injected: Int)>

    init(seed: UInt64) {
        state = LockedValue((SplitMix64(seed: seed), 0))
    }

    var injected: Int { state.withLock { $0.injected } }

    /// A number in `0..<1`.
    func draw() -> Double {
        state.withLock { state in
            Double(state.generator.next() >> 11) / Double(1 << 53)
        }
    }

    func recordFault() {
        state.withLock { $0.injected += 1 }
    }
}
