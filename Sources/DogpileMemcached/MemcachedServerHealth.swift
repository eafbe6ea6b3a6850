import DogpileCache

/// Which servers of a backend are failing, shared by all of its connections: a circuit breaker per
/// server.
///
/// libmemcached marks a server dead when connecting to it fails, but not when it stops answering (a
/// frozen or overloaded server): every call would then wait out the full poll timeout. So the backend
/// keeps its own count. After `failureLimit` failures in a row a server is skipped — calls for its
/// keys fail at once with `backendUnavailable` — for `retryTimeout`; then one call is let through to
/// probe it, and the first success puts it back in use.
final class MemcachedServerHealth: Sendable {
    private struct Server {
        var failures = 0
        /// While set, calls for the server's keys fail at once until this instant.
        var skippedUntil: ContinuousClock.Instant?
    }

    private let failureLimit: Int
    private let retryTimeout: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let servers: LockedValue<[Int: Server]>

    /// A tracker for servers identified by their index in the configuration.
    init(failureLimit: Int, retryTimeout: Duration, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.failureLimit = failureLimit
        self.retryTimeout = retryTimeout
        self.now = now
        self.servers = LockedValue([:])
    }

    /// Whether a call may go to server `index` now. When its skip time has passed this admits one
    /// call to probe it and keeps skipping the others for another `retryTimeout`.
    func admits(_ index: Int) -> Bool {
        let now = now()
        return servers.withLock { servers in
            guard let until = servers[index]?.skippedUntil else { return true }
            guard now >= until else { return false }
            servers[index]?.skippedUntil = now + retryTimeout
            return true
        }
    }

    /// Whether calls to server `index` are being skipped now (without claiming a probe).
    func isSkipped(_ index: Int) -> Bool {
        let now = now()
        return servers.withLock { servers in
            guard let until = servers[index]?.skippedUntil else { return false }
            return now < until
        }
    }

    /// Records that server `index` answered; `true` when that puts a skipped server back in use
    /// (the breaker closes).
    @discardableResult
    func recordSuccess(_ index: Int) -> Bool {
        servers.withLock { servers in
            guard let server = servers[index] else { return false }
            servers[index] = nil
            return server.skippedUntil != nil
        }
    }

    /// Records that server `index` failed to answer; `true` when that starts skipping it (the
    /// breaker opens), not when a probe of a skipped server fails again.
    @discardableResult
    func recordFailure(_ index: Int) -> Bool {
        let now = now()
        return servers.withLock { servers in
            var server = servers[index, default: Server()]
            server.failures += 1
            let opens = server.failures >= failureLimit && server.skippedUntil == nil
            if server.failures >= failureLimit {
                server.skippedUntil = now + retryTimeout
            }
            servers[index] = server
            return opens
        }
    }
}
