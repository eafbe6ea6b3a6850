/// The waiters of one in-flight creation, as a plain state machine: each event returns what the
/// owner must do, and the owner resumes continuations outside its lock.
///
/// Generic over the continuation and result types so it can be unit-tested with plain values.
struct FlightWaiters<Continuation, Success> {
    /// What ``register(_:continuation:isCancelled:)`` asks the owner to do.
    enum RegisterAction {
        /// The waiter is stored; it will be resumed by ``complete(with:)`` or ``cancel(_:)``.
        case suspend
        /// Resume the waiter now with this result (the flight already finished).
        case resume(Result<Success, any Error>)
        /// Resume the waiter now with `CancellationError` (its task was cancelled before it registered).
        case cancel
    }

    private var waiters: [Int: Continuation] = [:]
    private var nextWaiterID = 0
    private(set) var result: Result<Success, any Error>?

    /// The number of callers waiting now.
    var waiterCount: Int { waiters.count }

    /// A new id for a waiter about to register.
    mutating func makeWaiterID() -> Int {
        defer { nextWaiterID += 1 }
        return nextWaiterID
    }

    /// A caller wants to wait for the result. `isCancelled` must be read under the same lock as
    /// this call, so that a cancellation either happens before it (and is seen here) or after it
    /// (and finds the waiter in ``cancel(_:)``).
    mutating func register(_ id: Int, continuation: Continuation, isCancelled: Bool) -> RegisterAction {
        if let result {
            return .resume(result)
        }
        if isCancelled {
            return .cancel
        }
        waiters[id] = continuation
        return .suspend
    }

    /// A waiter's task was cancelled: returns its continuation to resume with `CancellationError`,
    /// or `nil` when it is not waiting (not registered yet, or already resumed).
    mutating func cancel(_ id: Int) -> Continuation? {
        waiters.removeValue(forKey: id)
    }

    /// The creation finished: returns every waiter to resume with `result`. Later calls return none.
    mutating func complete(with result: Result<Success, any Error>) -> [Continuation] {
        guard self.result == nil else { return [] }
        self.result = result
        defer { waiters = [:] }
        return Array(waiters.values)
    }
}

extension FlightWaiters: Sendable where Continuation: Sendable, Success: Sendable {}
