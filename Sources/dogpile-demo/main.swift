import DogpileCache

/// dogpile-demo: a burst of concurrent "requests" over a skewed key set, served by a region on the
/// memory backend whose creator is slow. Prints what the region did and the request latencies.
///
///     swift run -c release dogpile-demo [--requests N] [--concurrency N] [--keys N]
///                                       [--creator-ms N] [--expiration-ms N] [--inline-refresh]

struct DemoOptions {
    var requests = 1_000_000
    var concurrency = 64
    var keys = 1_000
    var creatorMilliseconds = 20
    var expirationMilliseconds = 250
    var backgroundRefresh = true

    static let usage = """
        usage: dogpile-demo [--requests N] [--concurrency N] [--keys N] [--creator-ms N] [--expiration-ms N]
                    [--inline-refresh]
          --requests       total requests to serve            (default 1000000)
          --concurrency    concurrent request tasks           (default 64)
          --keys           distinct keys, Zipf-skewed (s=1.1) (default 250)
          --creator-ms     time the creator takes per value   (default 20)
          --expiration-ms  region expiration time             (default 250)
          --inline-refresh  the caller that finds an expired value waits for its regeneration
                            (default: regenerate in the background, no request waits)
        """

    init(arguments: [String]) throws {
        var remaining = arguments[...]
        while let flag = remaining.popFirst() {
            if flag == "--help" || flag == "-h" {
                print(Self.usage)
                exit(0)
            }
            if flag == "--inline-refresh" {
                backgroundRefresh = false
                continue
            }
            guard let text = remaining.popFirst(), let value = Int(text), value > 0 else {
                throw DemoError(message: "\(flag) needs a positive whole number\n\(Self.usage)")
            }
            switch flag {
            case "--requests": requests = value
            case "--concurrency": concurrency = value
            case "--keys": keys = value
            case "--creator-ms": creatorMilliseconds = value
            case "--expiration-ms": expirationMilliseconds = value
            default: throw DemoError(message: "unknown option \(flag)\n\(Self.usage)")
            }
        }
    }
}

struct DemoError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A small deterministic generator (SplitMix64), so runs are repeatable.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Picks key indices with Zipf-like skew: a few keys get most of the traffic.
struct SkewedKeys: Sendable {
    private let cumulative: [Double]

    init(count: Int, exponent: Double = 1.1) {
        var total = 0.0
        cumulative = (1...count).map { rank in
            total += 1 / pow(Double(rank), exponent)
            return total
        }
    }

    func pick(using generator: inout SplitMix64) -> Int {
        let target = Double.random(in: 0..<cumulative.last!, using: &generator)
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

func percentile(_ sorted: [Duration], _ fraction: Double) -> Duration {
    sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
}

func milliseconds(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    let value = Double(seconds) * 1_000 + Double(attoseconds) / 1e15
    if value < 1 {
        return "\((value * 10_000).rounded() / 10) µs"
    }
    return "\((value * 100).rounded() / 100) ms"
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let options: DemoOptions
do {
    options = try DemoOptions(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    print(error)
    exit(2)
}

let region = try CacheRegion(
    name: "demo",
    backend: MemoryBackend(),
    expirationTime: .duration(.milliseconds(options.expirationMilliseconds)),
    backgroundRefresh: options.backgroundRefresh
)
let skew = SkewedKeys(count: options.keys)
let creatorDelay = Duration.milliseconds(options.creatorMilliseconds)

// The slow function behind every request, cached per page: its results live under keys like
// "dogpile_demo:renderPage|17", and concurrent requests for one page share one call.
let renderPage = region.cacheOnArguments(name: "renderPage") { (page: Int) async throws -> String in
    try await Task.sleep(for: creatorDelay)  // a slow database query
    return "rendered page \(page)"
}

print("""
    dogpile-demo: \(options.requests) requests from \(options.concurrency) concurrent tasks over \(options.keys) \
    Zipf-skewed keys; creator takes \(options.creatorMilliseconds) ms, values expire after \(options.expirationMilliseconds) ms\
    \(options.backgroundRefresh ? ", regenerated in the background" : ", regenerated inline")
    """)

let started = ContinuousClock.now
// The whole burst runs inside a task: calls into an actor from top-level code are far slower.
let latencies = try await Task {
    try await withThrowingTaskGroup(of: [Duration].self) { group in
        for worker in 0..<options.concurrency {
            let share = options.requests / options.concurrency + (worker < options.requests % options.concurrency ? 1 : 0)
            group.addTask {
                var generator = SplitMix64(state: UInt64(worker) &+ 1)
                var latencies: [Duration] = []
                latencies.reserveCapacity(share)
                for _ in 0..<share {
                    let pageNumber = skew.pick(using: &generator)
                    let begin = ContinuousClock.now
                    let page = try await renderPage(pageNumber)
                    latencies.append(ContinuousClock.now - begin)
                    precondition(page == "rendered page \(pageNumber)", "served the wrong value for page \(pageNumber)")
                    await Task.yield()  // a real handler suspends for network I/O between requests
                }
                return latencies
            }
        }
        var all: [Duration] = []
        for try await part in group { all += part }
        return all.sorted()
    }
}.value
let elapsed = ContinuousClock.now - started
let statistics = region.statistics

print("""
    requests served    \(latencies.count) in \(milliseconds(elapsed))
    creator calls      \(statistics.creations)   (one per missing or expired key, never one per request)
    hits               \(statistics.hits)
    stale served       \(statistics.staleServed)   (expired values served while they were regenerated)
    coalesced waiters  \(statistics.coalescedWaiters)   (callers that waited for a creation already running)
    latency p50        \(milliseconds(percentile(latencies, 0.50)))
    latency p99        \(milliseconds(percentile(latencies, 0.99)))
    latency max        \(milliseconds(latencies.last!))
    """)
