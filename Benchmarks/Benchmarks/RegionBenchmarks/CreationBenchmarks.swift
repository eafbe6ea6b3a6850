import Benchmark
import DogpileCache
import DogpileCacheTesting
import Synchronization

/// Counts creator calls from many tasks.
final class CallCounter: Sendable {
    private let count = Atomic<Int>(0)

    func increment() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

/// Misses, multi-key calls, the stampede and stale serving.
func creationBenchmarks() {
    Benchmark("miss: getOrCreate of a new key, create + store", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .hours(1))
        try await runConcurrently(tasks: 1, operations: benchmark.scaledIterations.count) { count in
            for index in 0..<count {
                blackHole(try await region.getOrCreate("miss:\(index)") { "created" })
            }
        }
    }

    let keys = (0..<100).map { "multi:\($0)" }
    Benchmark("multi: getOrCreateMulti of 100 keys, all fresh", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .hours(1))
        try await region.setMulti(Dictionary(uniqueKeysWithValues: keys.map { ($0, "value") }))
        try await runConcurrently(tasks: 1, operations: benchmark.scaledIterations.count) { count in
            for _ in 0..<count {
                blackHole(try await region.getOrCreateMulti(keys) { $0.map { _ in "created" } })
            }
        }
    }

    Benchmark("multi: getOrCreateMulti of 100 keys, all missing", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .hours(1))
        try await runConcurrently(tasks: 1, operations: benchmark.scaledIterations.count) { count in
            for round in 0..<count {
                let missing = keys.map { "\($0):\(round)" }
                blackHole(try await region.getOrCreateMulti(missing) { $0.map { _ in "created" } })
            }
        }
    }

    // One iteration: 10,000 tasks ask for one missing key whose creator takes 10 ms; the wall clock
    // runs until every one has the value.
    Benchmark(
        "stampede: 10,000 tasks on one missing key, 10 ms creator",
        configuration: .init(metrics: [.wallClock], scalingFactor: .one, maxDuration: .seconds(5), maxIterations: 10)
    ) { benchmark in
        let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .hours(1))
        let calls = CallCounter()
        benchmark.startMeasurement()
        // Unstructured tasks: a task group of 10,000 children spends most of the time unlinking them
        // (the runtime scans its child list on each removal).
        let callers = (0..<10_000).map { _ in
            Task {
                try await region.getOrCreate("stampede") {
                    calls.increment()
                    try await Task.sleep(for: .milliseconds(10))
                    return "made"
                }
            }
        }
        for caller in callers {
            blackHole(try await caller.value)
        }
        benchmark.stopMeasurement()
        precondition(calls.value == 1, "the creator ran \(calls.value) times")
    }

    // Callers of an expired key get the stale value while one regeneration is parked.
    Benchmark("stale: getOrCreate served the stale value while it is regenerated", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let clock = ManualCacheClock()
        let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .seconds(10), clock: clock)
        try await region.set("stale", "old")
        clock.advance(by: .seconds(11))
        let gate = CreationGate()
        let regeneration = Task {
            try await region.getOrCreate("stale") {
                await gate.wait()
                return "new"
            }
        }
        try await waitUntil { try await region.isKeyLocked("stale") }
        try await runConcurrently(tasks: 1, operations: benchmark.scaledIterations.count) { count in
            for _ in 0..<count {
                blackHole(try await region.getOrCreate("stale") { "never" })
            }
        }
        gate.open()
        _ = try await regeneration.value
    }
}
