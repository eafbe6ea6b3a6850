import Testing

@testable import DogpileMemcached

@Suite struct MemcachedRequestQueueTests {
    @Test func aWaitingWorkerIsWokenOnceForABurst() {
        var queue = MemcachedRequestQueue<Int>()
        guard case .wait = queue.next(maxBatch: 4) else {
            Issue.record("an empty queue should make the worker wait")
            return
        }
        #expect(queue.enqueue(1, id: 1) == .wakeWorker)
        #expect(queue.enqueue(2, id: 2) == .none)
        queue.workerWoke()
        guard case .run(let batch, let wakeAnother) = queue.next(maxBatch: 4) else {
            Issue.record("queued requests should run")
            return
        }
        #expect(batch == [1, 2])
        #expect(!wakeAnother)
    }

    @Test func aWorkerTakesAtMostOneBatchAndWakesAnotherForTheRest() {
        var queue = MemcachedRequestQueue<Int>()
        _ = queue.next(maxBatch: 2)  // worker A waits
        _ = queue.next(maxBatch: 2)  // worker B waits
        #expect(queue.enqueue(1, id: 1) == .wakeWorker)
        for id in 2...5 {
            #expect(queue.enqueue(Int(id), id: UInt64(id)) == .wakeWorker || id > 2)
        }
        queue.workerWoke()
        queue.workerWoke()
        guard case .run(let first, _) = queue.next(maxBatch: 2) else {
            Issue.record("expected a batch")
            return
        }
        #expect(first == [1, 2])
        guard case .run(let second, _) = queue.next(maxBatch: 2) else {
            Issue.record("expected a batch")
            return
        }
        #expect(second == [3, 4])
        #expect(queue.count == 1)
    }

    @Test func aWorkerLeavingRequestsBehindWakesAnIdleOne() {
        var queue = MemcachedRequestQueue<Int>()
        _ = queue.next(maxBatch: 1)  // worker B waits
        for id in 1...3 {
            _ = queue.enqueue(id, id: UInt64(id))
        }
        queue.workerWoke()  // B was signalled by the first enqueue
        _ = queue.next(maxBatch: 1)  // B runs [1]
        _ = queue.next(maxBatch: 1)  // B runs [2]; nobody idle to wake
        _ = queue.next(maxBatch: 1)  // B runs [3]
        guard case .wait = queue.next(maxBatch: 1) else {
            Issue.record("an empty queue should make the worker wait")
            return
        }
        _ = queue.next(maxBatch: 1)  // worker C waits too
        #expect(queue.enqueue(4, id: 4) == .wakeWorker)
        #expect(queue.enqueue(5, id: 5) == .wakeWorker)
        #expect(queue.enqueue(6, id: 6) == .none)
        queue.workerWoke()
        guard case .run(let batch, let wakeAnother) = queue.next(maxBatch: 1) else {
            Issue.record("expected a batch")
            return
        }
        #expect(batch == [4])
        #expect(!wakeAnother, "the second idle worker has a signal on its way already")
    }

    @Test func cancellingRemovesOnlyAQueuedRequest() {
        var queue = MemcachedRequestQueue<Int>()
        _ = queue.enqueue(1, id: 10)
        _ = queue.enqueue(2, id: 20)
        #expect(queue.cancel(id: 20) == 2)
        #expect(queue.cancel(id: 20) == nil)
        guard case .run(let batch, _) = queue.next(maxBatch: 8) else {
            Issue.record("expected a batch")
            return
        }
        #expect(batch == [1])
        #expect(queue.cancel(id: 10) == nil, "a request a worker took cannot be cancelled")
    }

    @Test func closingRejectsNewRequestsAndDrainsQueuedOnesBeforeExit() {
        var queue = MemcachedRequestQueue<Int>()
        _ = queue.next(maxBatch: 8)  // one worker waits
        _ = queue.enqueue(1, id: 1)
        let wakesIdleWorkers = queue.close()
        let wakesAgain = queue.close()
        #expect(wakesIdleWorkers, "the idle worker must be woken to see the close")
        #expect(!wakesAgain)
        #expect(queue.enqueue(2, id: 2) == .rejected)
        queue.workerWoke()
        guard case .run(let batch, _) = queue.next(maxBatch: 8) else {
            Issue.record("queued requests still run after close")
            return
        }
        #expect(batch == [1])
        guard case .exit = queue.next(maxBatch: 8) else {
            Issue.record("a closed empty queue makes workers exit")
            return
        }
    }
}
