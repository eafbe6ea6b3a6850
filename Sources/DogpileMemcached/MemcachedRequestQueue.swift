/// The queue between callers and the worker threads, as a plain state machine: each event is a
/// `mutating func` returning what the owner must do (wake a worker, run a batch, wait, exit), which
/// the owner does outside its lock.
///
/// Workers take requests in batches, oldest first, so that many callers' reads go out in one
/// multi-get; a worker that leaves requests behind wakes another idle worker for them.
struct MemcachedRequestQueue<Request> {
    private var pending: [(id: UInt64, request: Request)] = []
    private var idleWorkers = 0
    private var wakeupsInFlight = 0
    /// Whether the queue takes no more requests.
    private(set) var isClosed = false
    /// How many requests were ever accepted.
    private(set) var acceptedCount = 0

    /// What to do after ``enqueue(_:id:)``.
    enum EnqueueAction: Equatable {
        /// Nothing: a worker is running or already woken.
        case none
        /// Signal one idle worker.
        case wakeWorker
        /// The queue is closed: fail the request.
        case rejected
    }

    /// What a worker does next.
    enum NextAction {
        /// Run these requests, oldest first; signal one more idle worker first when `wakeAnother`.
        case run([Request], wakeAnother: Bool)
        /// Wait for a signal, then call ``workerWoke()`` and ask again.
        case wait
        /// Exit: the queue is closed and empty.
        case exit
    }

    /// How many requests wait for a worker.
    var count: Int { pending.count }

    /// Adds a request under `id`.
    mutating func enqueue(_ request: Request, id: UInt64) -> EnqueueAction {
        guard !isClosed else { return .rejected }
        pending.append((id, request))
        acceptedCount += 1
        return claimWakeup() ? .wakeWorker : .none
    }

    /// The next action of a worker, which takes at most `maxBatch` requests.
    mutating func next(maxBatch: Int) -> NextAction {
        if !pending.isEmpty {
            let taken = min(maxBatch, pending.count)
            let batch = pending.prefix(taken).map(\.request)
            pending.removeFirst(taken)
            return .run(batch, wakeAnother: !pending.isEmpty && claimWakeup())
        }
        if isClosed {
            return .exit
        }
        idleWorkers += 1
        return .wait
    }

    /// A waiting worker woke (by a signal or spuriously).
    mutating func workerWoke() {
        idleWorkers -= 1
        if wakeupsInFlight > 0 {
            wakeupsInFlight -= 1
        }
    }

    /// Removes the request under `id` if no worker has taken it yet, for the caller to fail.
    mutating func cancel(id: UInt64) -> Request? {
        guard let index = pending.firstIndex(where: { $0.id == id }) else { return nil }
        return pending.remove(at: index).request
    }

    /// Takes no more requests; workers finish what is queued, then exit. Returns whether idle
    /// workers must be woken (all of them) to see it.
    mutating func close() -> Bool {
        guard !isClosed else { return false }
        isClosed = true
        return idleWorkers > 0
    }

    /// Whether an idle worker is left that no signal is already on its way to; claims it if so.
    private mutating func claimWakeup() -> Bool {
        guard idleWorkers > wakeupsInFlight else { return false }
        wakeupsInFlight += 1
        return true
    }
}
