import DogpileCache

// Bare loops of inserts of new keys into a MemoryBackend, for profilers and for comparing builds
// side by side (the same file builds against earlier versions of the store):
//     InsertProfile [inserts] [unbounded|bound]
// unbounded stores into a growing MemoryBackend(); bound fills a store bounded at 100,000 entries
// first, so that every insert evicts. Prints the insert rate.
let arguments = CommandLine.arguments
let inserts = arguments.count > 1 ? Int(arguments[1])! : 1_000_000
let mode = arguments.count > 2 ? arguments[2] : "unbounded"
let bound = 100_000
let stored = CachedValue(payload: String(repeating: "v", count: 100), creationTime: 0)

let rate = try await Task.detached {
    let backend = mode == "bound" ? try MemoryBackend(maxEntries: bound) : MemoryBackend()
    if mode == "bound" {
        for index in 0..<bound {
            try backend.storeValue(stored, for: "old:\(index)")
        }
    }
    let started = ContinuousClock.now
    for index in 0..<inserts {
        try backend.storeValue(stored, for: "new:\(index)")
    }
    let elapsed = ContinuousClock.now - started
    precondition(mode != "bound" || backend.count <= bound)
    return Double(inserts) / (Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))
}.value
print("insert \(mode): \(inserts) inserts, \(rate / 1e6) M ops/s")
