import Benchmark
import DogpileCache
import DogpileMemcached

#if canImport(Glibc)
import Glibc
#endif

/// Region calls through MemcachedBackend, when `DOGPILE_MEMCACHED_SERVER` names a server
/// (`host:port`): hits, misses (create + store) and `getMulti` of 100 keys, from 1, 16 and 64 tasks.
/// 100-byte values.
func memcachedBenchmarks() {
    guard let address = getenv("DOGPILE_MEMCACHED_SERVER").map({ String(cString: $0) }) else { return }
    let value = String(repeating: "v", count: 100)
    let keys = (0..<100).map { "bench:\($0)" }
    let configuration = Benchmark.Configuration(scalingFactor: .kilo, maxDuration: .seconds(3))

    func region() throws -> (CacheRegion, MemcachedBackend) {
        let backend = try MemcachedBackend(url: address)
        return (try CacheRegion(backend: backend, expirationTime: .hours(1)), backend)
    }

    for tasks in [1, 16, 64] {
        Benchmark("memcached: getOrCreate hit, \(tasks) task(s)", configuration: configuration) { benchmark in
            let (region, backend) = try region()
            try await region.setMulti(Dictionary(uniqueKeysWithValues: keys.map { ($0, value) }))
            try await runConcurrently(tasks: tasks, operations: benchmark.scaledIterations.count) { count in
                for index in 0..<count {
                    blackHole(try await region.getOrCreate(keys[index % keys.count]) { value })
                }
            }
            await backend.shutdown()
        }

        Benchmark("memcached: getOrCreate miss, create + store, \(tasks) task(s)", configuration: configuration) { benchmark in
            let (region, backend) = try region()
            let run = UInt64.random(in: 0...UInt64.max)
            try await runConcurrently(tasks: tasks, operations: benchmark.scaledIterations.count) { count in
                let task = UInt64.random(in: 0...UInt64.max)
                for index in 0..<count {
                    blackHole(try await region.getOrCreate("miss:\(run):\(task):\(index)") { value })
                }
            }
            await backend.shutdown()
        }

        Benchmark("memcached: get of 100 keys, \(tasks) task(s)", configuration: .init(scalingFactor: .one, maxDuration: .seconds(3))) { benchmark in
            let (region, backend) = try region()
            try await region.setMulti(Dictionary(uniqueKeysWithValues: keys.map { ($0, value) }))
            try await runConcurrently(tasks: tasks, operations: benchmark.scaledIterations.count) { count in
                for _ in 0..<count {
                    blackHole(try await region.getMulti(keys, as: String.self))
                }
            }
            await backend.shutdown()
        }
    }
}
