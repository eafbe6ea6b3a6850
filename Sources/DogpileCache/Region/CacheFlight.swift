

/// One creation in progress for one key: the value every concurrent caller of that key shares.
///
/// Waiting is cancellable: a cancelled waiter leaves at once with `CancellationError`, and the
/// creation goes on for the others.
final class CacheFlight: Sendable {
    private let machine = LockedValue(FlightStateMachine<CheckedContinuation<any Sendable, any Error>>())

    /// The flights the current task is creating values for, so that a creator asking for its own key
    /// gets an error instead of waiting on itself.
    /// Held strongly, so that no other flight can take a finished flight's identity.
    @TaskLocal static var creating: [CacheFlight] = []

    /// Whether the current task is running this flight's creator (directly or through child tasks).
    var isCreatedByCurrentTask: Bool {
        CacheFlight.creating.contains { $0 === self }
    }

    /// Runs `body` marked as the creator of `flights`.
    static func runAsCreator<T>(of flights: [CacheFlight], _ body: () async throws -> T) async throws -> T {
        try await $creating.withValue(creating + flights) {
            try await body()
        }
    }

    /// Waits for the flight's result. Throws the creator's error, or `CancellationError` as soon as
    /// the waiting task is cancelled.
    func wait() async throws -> any Sendable {
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
