import DogpileCache


/// A ``CacheClock`` that moves only when a test moves it, so expiration and age can be tested
/// without sleeping.
///
/// ```swift
/// let clock = ManualCacheClock(now: 1_000)
/// let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .seconds(10), clock: clock)
/// clock.advance(by: .seconds(11))   // values created before are now stale
/// ```
public final class ManualCacheClock: CacheClock {
    private struct State {
        var now: Double
        var nextSleeperID = 0
        var sleepers: [Int: (deadline: Double, continuation: CheckedContinuation<Void, any Error>)] = [:]

        /// Takes out the sleepers whose deadline the clock has reached.
        mutating func takeWoken() -> [CheckedContinuation<Void, any Error>] {
            let woken = sleepers.filter { $0.value.deadline <= now }
            for id in woken.keys { sleepers[id] = nil }
            return woken.map(\.value.continuation)
        }
    }

    private let state: LockedValue<State>

    /// Creates a clock reading `now` seconds since 1970 (default: 1,000,000).
    public init(now: Double = 1_000_000) {
        state = LockedValue(State(now: now))
    }

    /// The time the clock was set or advanced to.
    public func now() -> Double {
        state.withLock { $0.now }
    }

    /// Moves the clock forward by `seconds`, waking the sleepers whose deadline it reaches.
    public func advance(by seconds: Double) {
        let woken = state.withLock { state in
            state.now += seconds
            return state.takeWoken()
        }
        woken.forEach { $0.resume() }
    }

    /// Moves the clock forward by `duration`.
    public func advance(by duration: Duration) {
        advance(by: CacheExpiration(duration).timeInterval ?? 0)
    }

    /// Sets the clock to `time` seconds since 1970, waking the sleepers whose deadline it reaches.
    public func set(to time: Double) {
        let woken = state.withLock { state in
            state.now = time
            return state.takeWoken()
        }
        woken.forEach { $0.resume() }
    }

    /// How many tasks are sleeping on the clock: a test waits for a caller to start its timeout.
    public var sleepers: Int {
        state.withLock { $0.sleepers.count }
    }

    /// Suspends until the clock is advanced or set to `deadline` or later.
    public func sleep(until deadline: Double) async throws {
        let id = state.withLock { state in
            defer { state.nextSleeperID += 1 }
            return state.nextSleeperID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resume: Result<Void, any Error>? = state.withLock { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers[id] = (deadline, continuation)
                    return nil
                }
                if let resume { continuation.resume(with: resume) }
            }
        } onCancel: {
            state.withLock { $0.sleepers.removeValue(forKey: id) }?.continuation.resume(throwing: CancellationError())
        }
    }
}
