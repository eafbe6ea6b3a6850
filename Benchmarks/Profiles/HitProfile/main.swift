import DogpileCache

// A bare loop of region hits, for profilers (valgrind --tool=callgrind, perf).
let iterations = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1])! : 1_000_000
let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .hours(1))
try await Task.detached {
    try await region.set("user:42", "a cached value")
    var total = 0
    for _ in 0..<iterations {
        total &+= try await region.getOrCreate("user:42") { "a cached value" }.utf8.count
    }
    print(total)
}.value
