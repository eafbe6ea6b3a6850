import DogpileCache
import DogpileMemcached

#if canImport(Glibc)
import Glibc
#endif

// Region hits through MemcachedBackend from many tasks, as ops/s, for the side-by-side comparison
// with memcaslap and with dogpile.cache + pylibmc (Benchmarks/compare):
//     MemcachedLoad <host:port> [tasks=64] [seconds=5] [poolSize=4] [keys=1000] [valueBytes=100]
let arguments = CommandLine.arguments
guard arguments.count > 1 else {
    print("usage: MemcachedLoad <host:port> [tasks] [seconds] [poolSize] [keys] [valueBytes]")
    exit(2)
}
func argument(_ index: Int, _ fallback: Int) -> Int {
    arguments.count > index ? Int(arguments[index])! : fallback
}
let tasks = argument(2, 64)
let seconds = argument(3, 5)
let poolSize = argument(4, 4)
let keyCount = argument(5, 1000)
let valueBytes = argument(6, 100)

var configuration = try MemcachedBackend.Configuration(url: arguments[1])
configuration.poolSize = poolSize
let backend = try MemcachedBackend(configuration: configuration)
let region = try CacheRegion(backend: backend, expirationTime: .hours(1))
let keys = (0..<keyCount).map { "load:\($0)" }
let value = String(repeating: "v", count: valueBytes)

let operations = try await Task.detached {
    for key in keys {
        try await region.set(key, value)
    }
    let deadline = ContinuousClock.now + .seconds(seconds)
    return try await withThrowingTaskGroup(of: Int.self) { group in
        for task in 0..<tasks {
            group.addTask {
                var operations = 0
                var index = task
                while ContinuousClock.now < deadline {
                    index = (index &* 1_103_515_245 &+ 12345) & 0x7fff_ffff
                    let read = try await region.getOrCreate(keys[index % keys.count]) { value }
                    precondition(read.utf8.count == valueBytes)
                    operations += 1
                }
                return operations
            }
        }
        return try await group.reduce(0, +)
    }
}.value
let statistics = region.statistics
print("tasks=\(tasks) poolSize=\(poolSize) seconds=\(seconds) ops=\(operations) ops/s=\(operations / seconds) misses=\(statistics.misses) backendErrors=\(statistics.backendErrors)")
await backend.shutdown()
