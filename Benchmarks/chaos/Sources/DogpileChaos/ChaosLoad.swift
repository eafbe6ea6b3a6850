import DogpileCache
import DogpileCacheTesting
import Synchronization

/// The callers of a chaos run: each task reads random keys through the region until stopped, and
/// judges every value it gets.
final class ChaosLoad: Sendable {
    private let options: ChaosOptions
    private let region: CacheRegion
    private let keys: [String]
    private let stopped = Atomic(false)
    /// Numbers creations, so each value the run writes is unique.
    private let creationCount = Atomic(0)
    private let returnedCalls = Atomic(0)

    init(options: ChaosOptions, region: CacheRegion) {
        self.options = options
        self.region = region
        keys = (0..<options.keys).map { "chaos:\($0)" }
    }

    /// Calls that have returned so far, in every task.
    var callsReturned: Int {
        returnedCalls.load(ordering: .relaxed)
    }

    /// Ends every task's loop after its current call.
    func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    /// Calls `getOrCreate` on random keys until ``stop()`` or cancellation, and tallies what came
    /// back.
    func callUntilStopped(seed: UInt64) async -> ChaosTally {
        var tally = ChaosTally()
        var random = SplitMix64(seed: seed)
        while !stopped.load(ordering: .relaxed), !Task.isCancelled {
            await call(keys[Int.random(in: 0..<keys.count, using: &random)], into: &tally)
        }
        return tally
    }

    private func call(_ key: String, into tally: inout ChaosTally) async {
        let created = LockedValue<String?>(nil)
        let started = ContinuousClock.now
        defer {
            returnedCalls.add(1, ordering: .relaxed)
            tally.requests += 1
            tally.longestCall = max(tally.longestCall, ContinuousClock.now - started)
        }
        do {
            let value = try await region.getOrCreate(key) { [self] in
                try await Task.sleep(for: self.options.creationDuration)
                let value = ChaosValue.make(key: key, creation: self.creationCount.add(1, ordering: .relaxed).newValue)
                created.withLock { $0 = value }
                return value
            }
            switch ChaosValue.check(value, key: key) {
            case .valid: break
            case .wrongKey: tally.wrongValues += 1
            case .corrupt: tally.corruptValues += 1
            }
            if let own = created.withLock({ $0 }) {
                tally.creations += 1
                if own != value { tally.lostCreations += 1 }
            } else {
                tally.cached += 1
            }
        } catch {
            tally.errors += 1
            tally.firstError = tally.firstError ?? "\(error)"
            if created.withLock({ $0 }) != nil { tally.lostCreations += 1 }
        }
    }
}
