/// One creation in progress for one key: the value every concurrent caller of that key shares.
///
/// Waiting is cancellable: a cancelled waiter leaves at once with `CancellationError`, and the
/// creation goes on for the others.
final class CacheFlight: Sendable {
    private let machine = LockedValue(FlightStateMachine<CheckedContinuation<any Sendable, any Error>>())

    /// When the flight started (region clock): the creation time its value is stored with, so that a
    /// hard invalidation made while the creator runs also invalidates what it returns.
    let startTime: Double

    init(startTime: Double) {
        self.startTime = startTime
    }

    /// The flights whose creator the current task is running; empty outside creators. Held strongly,
    /// so that no other flight can take a finished flight's identity.
    @TaskLocal static var creating: [CacheFlight] = []

    /// Runs `body` as the creator of `flights`.
    static func runAsCreator<T>(of flights: [CacheFlight], _ body: () async throws -> T) async throws -> T {
        try await $creating.withValue(flights) {
            try await body()
        }
    }

    /// Waits for the flight's result. Throws the creator's error, or `CancellationError` as soon as
    /// the waiting task is cancelled.
    func wait() async throws -> any Sendable {
        // A creation that finished before its caller got here (its creator never suspended) needs no
        // continuation.
        if let result = machine.withLock({ $0.result }) {
            return try result.get()
        }
        let id = machine.withLock { $0.makeWaiterID() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let action = machine.withLock {
                    $0.register(id, continuation: continuation, isCancelled: Task.isCancelled)
                }
                switch action {
                case .suspend:
                    break
                case .resume(let result):
                    continuation.resume(with: result)
                case .cancel:
                    continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            machine.withLock { $0.cancel(id) }?.resume(throwing: CancellationError())
        }
    }

    /// Hands `result` to every waiter, present and future.
    func complete(with result: Result<any Sendable, any Error>) {
        let waiters = machine.withLock { $0.complete(with: result) }
        for waiter in waiters {
            waiter.resume(with: result)
        }
    }
}
