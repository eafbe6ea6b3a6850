import DogpileCache

/// Lock releases that failed because the server did not answer, kept and retried in the background
/// until each one succeeds, finds the lock no longer its holder's, or outlives the lock's own
/// expiration (after which the server has dropped the lock anyway).
///
/// Without this, a lock whose release failed during a short outage stayed on the server for the whole
/// lock timeout after the server came back, and every process waiting for the key waited that long.
/// Retries start 50 ms after a release is kept and back off to one a second; all kept releases go in
/// one worker call, one compare-and-delete each, so they never hold more than one worker thread.
final class MemcachedLockReleases: Sendable {
    /// A release to make: remove `key` if it still holds `token`.
    struct Release: Sendable {
        let key: String
        let token: [UInt8]
        /// When the server expires the lock by itself; `nil` for a lock without a timeout.
        let expires: ContinuousClock.Instant?
    }

    private struct State {
        var pending: [Release] = []
        /// The task retrying `pending`, while there is one.
        var retrier: Task<Void, Never>?
        var isClosed = false
    }

    static let firstRetryDelay = Duration.milliseconds(50)
    static let maxRetryDelay = Duration.seconds(1)

    private let pool: MemcachedWorkerPool
    private let state = LockedValue(State())

    init(pool: MemcachedWorkerPool) {
        self.pool = pool
    }

    /// Releases kept and not yet made (for tests).
    var pendingCount: Int { state.withLock { $0.pending.count } }

    /// Keeps `release` to retry, and starts retrying if nothing is being retried yet.
    func keep(_ release: Release) {
        state.withLock { state in
            guard !state.isClosed else { return }
            state.pending.append(release)
            if state.retrier == nil {
                state.retrier = Task { await self.retryUntilDone() }
            }
        }
    }

    /// Stops retrying, then tries every kept release once more and waits for that; for the backend's
    /// shutdown, before its workers stop.
    func shutdown() async {
        let retrier = state.withLock { state in
            state.isClosed = true
            return state.retrier
        }
        retrier?.cancel()
        await retrier?.value
        let last = state.withLock { state in
            defer { state.pending = [] }
            return state.pending
        }
        _ = await attempt(last)
    }

    /// Stops retrying without waiting; for a backend released without ``shutdown()``.
    func close() {
        state.withLock { state in
            state.isClosed = true
            return state.retrier
        }?.cancel()
    }

    private func retryUntilDone() async {
        var delay = Self.firstRetryDelay
        while !Task.isCancelled {
            try? await Task.sleep(for: delay)
            guard !Task.isCancelled else { break }
            let now = ContinuousClock.now
            let batch = state.withLock { state in
                state.pending.removeAll { $0.expires.map { $0 <= now } ?? false }
                return state.pending
            }
            let failed = await attempt(batch)
            let isDone = state.withLock { state in
                // Releases kept during the attempt were appended after the batch.
                state.pending = failed + state.pending.dropFirst(batch.count)
                guard state.pending.isEmpty else { return false }
                // In the same lock: a release kept from now on starts a new retrier.
                state.retrier = nil
                return true
            }
            if isDone { return }
            delay = min(delay * 2, Self.maxRetryDelay)
        }
    }

    /// Makes `releases` in one worker call; returns those that failed again.
    private func attempt(_ releases: [Release]) async -> [Release] {
        guard !releases.isEmpty else { return [] }
        let made = try? await pool.run("gets cas", keyCount: releases.count) { connection in
            releases.map { release in (try? connection.delete(release.key, ifHolding: release.token)) != nil }
        }
        guard let made else { return releases }
        return zip(releases, made).compactMap { $1 ? nil : $0 }
    }
}
