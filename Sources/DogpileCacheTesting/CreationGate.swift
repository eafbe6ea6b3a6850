import DogpileCache

/// A gate a creator parks on until the test opens it, so that races are made deterministic instead
/// of slept over: start a creation whose creator awaits ``wait()``, check what callers see while it
/// is in flight, then ``open()``.
public final class CreationGate: Sendable {
    private let state = LockedValue<(isOpen: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// A closed gate.
    public init() {}

    /// Suspends until ``open()`` is called (returns at once if already open).
    public func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if state.isOpen { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Releases every parked task and every later one.
    public func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    /// The number of tasks parked now.
    public var parked: Int { state.withLock { $0.waiters.count } }
}

/// Counts creator calls and remembers the keys each call received.
public final class CreatorLog: Sendable {
    private let state = LockedValue<[[String]]>([])

    /// An empty log.
    public init() {}

    /// Records one creator call that received `keys`.
    public func record(_ keys: [String] = []) {
        state.withLock { $0.append(keys) }
    }

    /// How many calls were recorded.
    public var calls: Int { state.withLock { $0.count } }
    /// The keys each recorded call received, in call order.
    public var keysPerCall: [[String]] { state.withLock { $0 } }
}

/// Waits, yielding, until `condition` holds. Throws `CancellationError` when the task is cancelled
/// (as a test's time limit does), so a condition that never comes fails the test instead of spinning
/// forever.
public func waitUntil(_ condition: () async throws -> Bool) async throws {
    while try await !condition() {
        try Task.checkCancellation()
        await Task.yield()
    }
}
