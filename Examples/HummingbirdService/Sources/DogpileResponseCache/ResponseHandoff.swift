import Synchronization

/// The meeting point of a request that makes its URL's response and the region's creation that
/// stores it; see ``ResponseHandoffState``.
final class ResponseHandoff: Sendable {
    private typealias State = ResponseHandoffState<CheckedContinuation<ResponseRole, Never>, CheckedContinuation<CachedResponse, any Error>>

    private let state = Mutex(State())

    /// Waits until the region either calls the creator (`create`) or answers without it (`served`).
    func role() async -> ResponseRole {
        await withCheckedContinuation { continuation in
            let known = state.withLock { $0.waitForRole(continuation) }
            if let known {
                continuation.resume(returning: known)
            }
        }
    }

    /// Called by the region's creator: makes this request the one that creates, and waits for the
    /// response it hands over.
    func responseFromRequest() async throws -> CachedResponse {
        try await withCheckedThrowingContinuation { continuation in
            switch state.withLock({ $0.creatorStarted(continuation) }) {
            case .resumeParent(let parent):
                parent?.resume(returning: .create)
            case .failCreator(let creator):
                creator.resume(throwing: CancellationError())
            }
        }
    }

    /// The region answered the request's lookup.
    func lookupEnded() {
        state.withLock { $0.lookupEnded() }?.resume(returning: .served)
    }

    /// Hands the route's response, or its error, to the creator.
    func deliver(_ result: Result<CachedResponse, any Error>) {
        state.withLock { $0.deliver() }?.resume(with: result)
    }
}
