import DogpileCache

/// Work for a worker thread: a read of some keys, which a worker merges with other reads into one
/// multi-get, or a command run alone on the worker's connection. Each request resumes its caller
/// exactly once: with the outcome, or with the error it is failed with.
enum MemcachedRequest: Sendable {
    /// What one key's read found.
    enum Fetched: Sendable {
        /// The stored bytes.
        case found([UInt8])
        /// Nothing is stored under the key.
        case missing
        /// The key's server failed to answer.
        case failed(CacheError)

        /// Whether the key's server failed to answer.
        var isFailure: Bool {
            if case .failed = self { true } else { false }
        }
    }

    /// Read `keys`; the continuation receives one outcome per key, in order.
    case fetch(keys: [String], continuation: UnsafeContinuation<[Fetched], any Error>)
    /// Run `run` on a connection; `fail` resumes the caller with an error instead.
    case command(run: @Sendable (MemcachedConnection) -> Void, fail: @Sendable (any Error) -> Void)

    /// Resumes the caller with `error` instead of running the request.
    func fail(_ error: any Error) {
        switch self {
        case .fetch(_, let continuation): continuation.resume(throwing: error)
        case .command(_, let fail): fail(error)
        }
    }
}
