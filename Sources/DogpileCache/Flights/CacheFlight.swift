/// One creation in progress for one key: the value every concurrent caller of that key shares.
///
/// The value travels boxed (``PayloadBox``), as a stored value does: handing it to each waiter is a
/// retain, and each reads it back as its own type with a class check.
///
/// Waiting is cancellable: a cancelled waiter leaves at once with `CancellationError`, and the
/// creation goes on for the others.
final class CacheFlight: Sendable {
    private let waiters = LockedValue(FlightWaiters<CheckedContinuation<PayloadBox, any Error>, PayloadBox>())

    /// The key as its first caller gave it, for logs and errors.
    let key: String
    /// The key as the backend sees it: the flight's name in the ``FlightTable``.
    let backendKey: String
    /// When the flight started (region clock): the creation time its value is stored with, so that a
    /// hard invalidation made while the creator runs also invalidates what it returns.
    let startTime: Double

    init(key: String, backendKey: String, startTime: Double) {
        self.key = key
        self.backendKey = backendKey
        self.startTime = startTime
    }

    /// What the current task creates: the flights whose creator it runs (empty outside creators;
    /// held strongly, so that no other flight can take a finished flight's identity) and how many
    /// creations started on the caller's thread enclose it. One task-local, bound once per creation.
    struct CreatorContext: Sendable {
        var flights: [CacheFlight] = []
        var immediateStartDepth = 0
    }

    /// The current task's creator context; empty outside creators.
    @TaskLocal static var context = CreatorContext()

    /// Waits for the flight's result. Throws the creator's error, or `CancellationError` as soon as
    /// the waiting task is cancelled.
    nonisolated(nonsending) func wait() async throws -> PayloadBox {
        // A creation that finished before its caller got here (its creator never suspended) needs no
        // continuation.
        let (finished, id) = waiters.withLock { ($0.result, $0.makeWaiterID()) }
        if let finished {
            return try finished.get()
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let action = waiters.withLock {
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
            waiters.withLock { $0.cancel(id) }?.resume(throwing: CancellationError())
        }
    }

    /// Hands `result` to every waiter, present and future.
    func complete(with result: FlightResult) {
        let waiters = waiters.withLock { $0.complete(with: result) }
        for waiter in waiters {
            waiter.resume(with: result)
        }
    }
}

/// A flight's result: the created (or re-read, or stale) value, boxed, or the error its callers get.
typealias FlightResult = Result<PayloadBox, any Error>
