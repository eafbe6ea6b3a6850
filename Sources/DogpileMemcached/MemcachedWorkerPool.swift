import DogpileCache
import Synchronization
import Tracing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Threads of the backend's own, one ``MemcachedConnection`` each, that run every blocking
/// libmemcached call, so none runs on Swift's cooperative pool.
///
/// Callers enqueue a request and suspend; a worker takes queued requests in a batch, merges their
/// reads into one multi-get, runs the rest, and resumes the callers. When every worker is busy,
/// requests wait in the queue and their callers stay suspended: no thread blocks on their behalf.
/// A caller cancelled while its request is still queued is resumed at once with `CancellationError`.
final class MemcachedWorkerPool: Sendable {
    /// How many queued requests a worker takes at once.
    static let maxBatch = 64

    private let state: PoolState
    private let nextID = Atomic<UInt64>(0)

    /// Starts one worker thread per connection.
    init(connections: [MemcachedConnection]) throws {
        state = PoolState(workers: connections.count)
        for connection in connections {
            try Worker.start(connection: connection, state: state)
        }
    }

    deinit {
        state.close()
    }

    /// Takes no more requests; the workers finish the queued ones and exit.
    func close() {
        state.close()
    }

    /// Reads `keys` on a worker, batched with other callers' reads, in a `get` span, which records
    /// the error of a read no server answered.
    func fetch(_ keys: [String]) async throws -> [MemcachedRequest.Fetched] {
        try await traced("get", keyCount: keys.count) { span in
            let id = nextID.add(1, ordering: .relaxed).newValue
            let fetched = try await withTaskCancellationHandler {
                try await withUnsafeThrowingContinuation { continuation in
                    submit(.fetch(keys: keys, continuation: continuation), id: id)
                }
            } onCancel: {
                state.cancel(id: id)
            }
            if let span, case .failed(let error)? = fetched.first, fetched.allSatisfy(\.isFailure) {
                span.recordError(error)
                span.setStatus(SpanStatus(code: .error))
            }
            return fetched
        }
    }

    /// Runs `body` on a worker's connection and returns what it returns.
    ///
    /// - Parameters:
    ///   - operation: The memcached command `body` sends, the name of its span (`set`, `delete`,
    ///     `add`, …), or `nil` when `body` sends nothing (no span).
    ///   - keyCount: How many keys `body` sends the command for.
    func run<Result: Sendable>(
        _ operation: String?,
        keyCount: Int = 1,
        _ body: @escaping @Sendable (MemcachedConnection) throws -> Result
    ) async throws -> Result {
        guard let operation else { return try await submit(body) }
        return try await traced(operation, keyCount: keyCount) { _ in try await submit(body) }
    }

    private func submit<Result: Sendable>(_ body: @escaping @Sendable (MemcachedConnection) throws -> Result) async throws -> Result {
        let id = nextID.add(1, ordering: .relaxed).newValue
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                let request = MemcachedRequest.command(
                    run: { connection in continuation.resume(with: Swift.Result { try body(connection) }) },
                    fail: { continuation.resume(throwing: $0) }
                )
                submit(request, id: id)
            }
        } onCancel: {
            state.cancel(id: id)
        }
    }

    /// Runs `body`, a round trip to the servers, in a span of kind client named `operation` when an
    /// instrument is bootstrapped (`withOptionalSpan`), with OpenTelemetry's database
    /// attributes: `db.system.name` `memcached`, `db.operation.name`, and `db.operation.batch.size`
    /// for more than one key. A thrown error is recorded on the span.
    private func traced<Result>(_ operation: String, keyCount: Int, _ body: ((any Span)?) async throws -> Result) async throws -> Result {
        try await withOptionalSpan(operation, ofKind: .client) { span in
            if let span {
                span.attributes["db.system.name"] = "memcached"
                span.attributes["db.operation.name"] = operation
                if keyCount > 1 {
                    span.attributes["db.operation.batch.size"] = keyCount
                }
            }
            return try await body(span)
        }
    }

    /// Takes no more requests, lets the workers finish the queued ones, and returns when every worker
    /// thread has freed its connection and exited.
    func shutdown() async {
        close()
        await state.waitForWorkersToExit()
    }

    /// Requests waiting for a worker now, and requests ever accepted.
    var requestCounts: (queued: Int, accepted: Int) { state.counts }
    /// Worker threads not yet exited.
    var liveWorkerCount: Int { state.liveWorkerCount }

    private func submit(_ request: MemcachedRequest, id: UInt64) {
        state.enqueue(request, id: id)
        // A cancellation that came before the request was queued found nothing to remove.
        if Task.isCancelled {
            state.cancel(id: id)
        }
    }
}

/// The queue and its lock and condition, shared by the pool and its workers.
final class PoolState: @unchecked Sendable {
    // @unchecked: `queue`, `liveWorkers` and `exitWaiters` are only touched with `mutex` held; the
    // mutex and condition pointers are set once in init.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var queue = MemcachedRequestQueue<MemcachedRequest>()
    private var liveWorkers: Int
    private var exitWaiters: [UnsafeContinuation<Void, Never>] = []

    init(workers: Int) {
        liveWorkers = workers
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Requests waiting now, and requests ever accepted.
    var counts: (queued: Int, accepted: Int) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return (queue.count, queue.acceptedCount)
    }

    var liveWorkerCount: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return liveWorkers
    }

    func enqueue(_ request: MemcachedRequest, id: UInt64) {
        pthread_mutex_lock(mutex)
        let action = queue.enqueue(request, id: id)
        pthread_mutex_unlock(mutex)
        switch action {
        case .none: break
        case .wakeWorker: pthread_cond_signal(condition)
        case .rejected: request.fail(CacheError(.backendUnavailable, "the memcached backend has been shut down"))
        }
    }

    func cancel(id: UInt64) {
        pthread_mutex_lock(mutex)
        let request = queue.cancel(id: id)
        pthread_mutex_unlock(mutex)
        request?.fail(CancellationError())
    }

    func close() {
        pthread_mutex_lock(mutex)
        let wakeAll = queue.close()
        pthread_mutex_unlock(mutex)
        if wakeAll {
            pthread_cond_broadcast(condition)
        }
    }

    /// Blocks the calling worker thread until there is work; `nil` when it should exit.
    func nextBatch() -> [MemcachedRequest]? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while true {
            switch queue.next(maxBatch: MemcachedWorkerPool.maxBatch) {
            case .run(let batch, let wakeAnother):
                if wakeAnother {
                    pthread_cond_signal(condition)
                }
                return batch
            case .wait:
                pthread_cond_wait(condition, mutex)
                queue.workerWoke()
            case .exit:
                return nil
            }
        }
    }

    /// Called by a worker thread as it exits; the last one resumes everyone waiting for shutdown.
    func workerExited() {
        pthread_mutex_lock(mutex)
        liveWorkers -= 1
        let waiters = liveWorkers == 0 ? exitWaiters : []
        if liveWorkers == 0 {
            exitWaiters = []
        }
        pthread_mutex_unlock(mutex)
        for waiter in waiters {
            waiter.resume()
        }
    }

    func waitForWorkersToExit() async {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            pthread_mutex_lock(mutex)
            let done = liveWorkers == 0
            if !done {
                exitWaiters.append(continuation)
            }
            pthread_mutex_unlock(mutex)
            if done {
                continuation.resume()
            }
        }
    }
}
