import DogpileCache

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One worker thread of a ``MemcachedWorkerPool``: it owns a connection, runs batches of requests
/// on it until the pool closes, then frees the connection and exits.
final class Worker {
    private var connection: MemcachedConnection?
    private let state: PoolState

    private init(connection: MemcachedConnection, state: PoolState) {
        self.connection = connection
        self.state = state
    }

    /// Starts a detached thread running a worker for `connection`.
    static func start(connection: MemcachedConnection, state: PoolState) throws {
        let worker = Unmanaged.passRetained(Worker(connection: connection, state: state))
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let code = pthread_create(&thread, &attributes, { context in
            let worker = Unmanaged<Worker>.fromOpaque(context!).takeRetainedValue()
            worker.run()
            return nil
        }, worker.toOpaque())
        guard code == 0 else {
            worker.release()
            state.workerExited()
            throw CacheError(.backendUnavailable, "could not start a memcached worker thread (error \(code))")
        }
    }

    private func run() {
        if let connection {
            while let batch = state.nextBatch() {
                process(batch, on: connection)
            }
        }
        // Freed before the pool hears of the exit, so a finished shutdown leaves no handle behind.
        connection = nil
        state.workerExited()
    }

    /// Reads every fetch's keys in one multi-get per server, then runs the commands in order.
    private func process(_ batch: [MemcachedRequest], on connection: MemcachedConnection) {
        var fetches: [(keys: [MemcachedKey.Bytes], continuation: UnsafeContinuation<[MemcachedRequest.Fetched], any Error>)] = []
        var keys: [String] = []
        var seen = Set<MemcachedKey.Bytes>()
        for request in batch {
            if case .fetch(let requestKeys, let continuation) = request {
                let requestBytes = requestKeys.map(MemcachedKey.Bytes.init)
                fetches.append((requestBytes, continuation))
                for (key, bytes) in zip(requestKeys, requestBytes) where seen.insert(bytes).inserted {
                    keys.append(key)
                }
            }
        }
        let fetched = keys.isEmpty ? MemcachedConnection.Fetched() : connection.fetch(keys)
        for fetch in fetches {
            fetch.continuation.resume(returning: fetch.keys.map { bytes in
                if let value = fetched.values[bytes] {
                    return .found(value)
                }
                if let failure = fetched.failure, fetched.failedKeys.contains(bytes) {
                    return .failed(failure)
                }
                return .missing
            })
        }
        for request in batch {
            if case .command(let run, _) = request {
                run(connection)
            }
        }
    }
}
