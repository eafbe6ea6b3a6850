/// Which flights' creators are waiting on which other flights, so that a wait that would close a
/// cycle (a creator waiting, directly or through other creators, on its own flight) is refused
/// instead of hanging forever.
///
/// Flights are named by `ObjectIdentifier`; an edge exists only while its waiter waits, and both
/// flights are alive until then, so identifiers are never reused while recorded.
struct FlightWaitGraph {
    /// waiter → (awaited → number of concurrent waits).
    private var edges: [ObjectIdentifier: [ObjectIdentifier: Int]] = [:]

    /// Whether waiting on `flight` from creators of `waiters` would close a cycle: `flight` is one
    /// of them, or its creators already wait (transitively) on one of them.
    func wouldDeadlock(waitingOn flight: ObjectIdentifier, from waiters: [ObjectIdentifier]) -> Bool {
        guard !waiters.isEmpty else { return false }
        let targets = Set(waiters)
        var visited: Set<ObjectIdentifier> = []
        var pending = [flight]
        while let next = pending.popLast() {
            if targets.contains(next) { return true }
            guard visited.insert(next).inserted else { continue }
            pending.append(contentsOf: edges[next, default: [:]].keys)
        }
        return false
    }

    /// Records that the creators of `waiters` wait on `flight`.
    mutating func addWait(on flight: ObjectIdentifier, from waiters: [ObjectIdentifier]) {
        for waiter in waiters {
            edges[waiter, default: [:]][flight, default: 0] += 1
        }
    }

    /// Removes one wait recorded by ``addWait(on:from:)``.
    mutating func removeWait(on flight: ObjectIdentifier, from waiters: [ObjectIdentifier]) {
        for waiter in waiters {
            guard let count = edges[waiter]?[flight] else { continue }
            edges[waiter]![flight] = count > 1 ? count - 1 : nil
            if edges[waiter]!.isEmpty {
                edges[waiter] = nil
            }
        }
    }

    /// Whether no wait is recorded.
    var isEmpty: Bool { edges.isEmpty }
}
