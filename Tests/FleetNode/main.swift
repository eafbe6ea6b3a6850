// A process of a fleet, for the tests that need two: a region on memcached (with its distributed
// lock) that the test drives through standard input, one command a line, each answered with one line
// on standard output.
//
//     dogpile-fleet-node <host:port> <region name> [--local] [--frozen-clock]
//
// The region's values expire after 300 s. With `--local` the region has a local tier (1,000
// entries, localExpirationTime 10 s, invalidationCheckInterval 1 s: the defaults). With
// `--frozen-clock` its clock stands still, starting at the system time, until `advance` moves it;
// otherwise it is the system clock.
//
// Commands:
//     seed KEY VALUE AGO [TAGS]
//                             store VALUE under KEY, created AGO seconds ago, tagged with the
//                             comma-separated TAGS; `seeded`
//     load KEY CALLERS        CALLERS concurrent getOrCreate of KEY whose creator waits until `release`;
//                             answers `loaded values=V1,V2,… creators=N` when all have their value
//     finished                `finished N`: how many callers of the latest `load` have their value
//     get KEY                 `value V` or `miss`: the region's fresh value of KEY
//     advance SECONDS         moves the clock of a `--frozen-clock` node; `advanced`
//     locked KEY              `locked true|false`: whether any process holds KEY's lock
//     invalidate hard|soft    invalidates the region, on every process; `invalidated`
//     invalidate-tag TAG hard|soft
//                             invalidates the values tagged TAG, on every process; `invalidated`
//     release                 lets the creators waiting in `load` return `created-<pid>`; `released`
//     zipf KEYS TASKS PATH    TASKS tasks read Zipf-skewed keys `zipf-0` … `zipf-<KEYS-1>` with
//                             getOrCreate until `stop`, a short pause after each read; key `zipf-N`
//                             carries tags `tag-<N % 8>` and `key-N`, and its creator returns the
//                             clock's time as text. Every read is written to PATH as a line
//                             `START N VALUE` (START: the clock's time when the read began; VALUE:
//                             the value read, `error` for an error); answers `zipf reads=R` when done
//     stop                    ends the reads of `zipf`; `stopping`
//     quit                    shuts the backend down and exits
// Commands run one after another, except `load` and `zipf`, which run in the background: their answer
// comes when they are done, after the answers of the commands sent meanwhile.
import DogpileCache
import DogpileMemcached
import Foundation
import Synchronization

let arguments = CommandLine.arguments
let options = Set(arguments.dropFirst(3))
guard arguments.count >= 3, options.isSubset(of: ["--local", "--frozen-clock"]) else {
    FileHandle.standardError.write(Data("usage: dogpile-fleet-node <host:port> <region> [--local] [--frozen-clock]\n".utf8))
    exit(2)
}
var configuration = try MemcachedBackend.Configuration(url: arguments[1])
configuration.distributedLock = true
// Long enough that a node starved of CPU (a ThreadSanitizer build on a busy machine) still waits for
// the other's lock rather than giving up and creating: the tests count creator calls.
configuration.lockWaitTimeout = .seconds(60)
configuration.poolSize = 2
let backend = try MemcachedBackend(configuration: configuration)
let clock = SteppedClock(moving: !options.contains("--frozen-clock"))
let region = CacheRegion(name: arguments[2], clock: clock)
try await region.configure(
    backend: backend,
    // Values are created at their creation's start: a creator a test holds for longer than this
    // (a ThreadSanitizer build on a busy machine) would make a value that is stale at once.
    expirationTime: .seconds(300),
    localCache: options.contains("--local") ? try MemoryBackend(maxEntries: 1_000) : nil
)

/// Opens once: the creators of `load` wait for it.
final class Release: Sendable {
    private let state = LockedValue<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let open = state.withLock { state in
                if !state.open { state.waiters.append(continuation) }
                return state.open
            }
            if open { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }
}

/// Writes `line` to standard output at once.
func answer(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let release = Release()
let stopped = Atomic<Bool>(false)
let creators = Atomic<Int>(0)
let finished = Atomic<Int>(0)
let pid = ProcessInfo.processInfo.processIdentifier

/// Standard input's lines, read on a thread of their own: a read blocks.
let lines = AsyncStream<String> { continuation in
    Thread {
        while let line = readLine() {
            continuation.yield(line)
        }
        continuation.finish()
    }.start()
}

try await Task.detached {
    var background: [Task<Void, Never>] = []
    for await line in lines {
        let words = line.split(separator: " ").map(String.init)
        switch words.first {
        case "seed":
            let past = try CacheRegion(
                name: arguments[2], backend: backend, clock: ShiftedClock(base: clock, shift: -(Double(words[3]) ?? 0))
            )
            let tags = words.count > 4 ? words[4].split(separator: ",").map(String.init) : []
            try await past.set(words[1], words[2], tags: tags)
            answer("seeded")
        case "invalidate":
            try await region.invalidate(hard: words[1] == "hard")
            answer("invalidated")
        case "invalidate-tag":
            try await region.invalidate(tag: words[1], hard: words[2] == "hard")
            answer("invalidated")
        case "load":
            let key = words[1]
            let callers = Int(words[2]) ?? 1
            finished.store(0, ordering: .relaxed)
            background.append(Task {
                let values = await withTaskGroup(of: String.self) { group in
                    for _ in 0..<callers {
                        group.addTask {
                            let value = (try? await region.getOrCreate(key) { () async throws -> String in
                                creators.add(1, ordering: .relaxed)
                                await release.wait()
                                return "created-\(pid)"
                            }) ?? "error"
                            finished.add(1, ordering: .relaxed)
                            return value
                        }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
                answer("loaded values=\(Set(values).sorted().joined(separator: ",")) creators=\(creators.load(ordering: .relaxed))")
            })
        case "zipf":
            let (keys, tasks, path) = (Int(words[1]) ?? 1, Int(words[2]) ?? 1, words[3])
            stopped.store(false, ordering: .relaxed)
            background.append(Task {
                let reads = await withTaskGroup(of: [String].self) { group in
                    for _ in 0..<tasks {
                        group.addTask {
                            var reads: [String] = []
                            while !stopped.load(ordering: .relaxed) {
                                // Zipf with exponent 1, approximated by a log-uniform draw.
                                let index = Int(exp(Double.random(in: 0..<log(Double(keys + 1))))) - 1
                                let start = clock.now()
                                let value = (try? await region.getOrCreate("zipf-\(index)", tags: ["tag-\(index % 8)", "key-\(index)"]) {
                                    String(clock.now())
                                }) ?? "error"
                                reads.append("\(start) \(index) \(value)")
                                try? await Task.sleep(for: .microseconds(500))
                            }
                            return reads
                        }
                    }
                    return await group.reduce(into: []) { $0 += $1 }
                }
                do {
                    try Data(reads.map { $0 + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: path))
                    answer("zipf reads=\(reads.count)")
                } catch {
                    answer("error \(error)")
                }
            })
        case "stop":
            // Answered first, so that this answer comes before the one of the reads it ends.
            answer("stopping")
            stopped.store(true, ordering: .relaxed)
        case "finished":
            answer("finished \(finished.load(ordering: .relaxed))")
        case "get":
            answer((try await region.get(words[1], as: String.self)).map { "value \($0)" } ?? "miss")
        case "advance":
            clock.advance(by: Double(words[1]) ?? 0)
            answer("advanced")
        case "locked":
            answer("locked \(try await region.isKeyLocked(words[1]))")
        case "release":
            // Answered first, so that this answer comes before the ones of the creations it ends.
            answer("released")
            release.open()
        case "quit":
            for task in background { await task.value }
            await backend.shutdown()
            return
        default:
            answer("error unknown command '\(line)'")
        }
    }
}.value

/// The system clock, or, when not `moving`, a clock that starts at the system time and moves only
/// when `advance(by:)` says so; in both, moved by what `advance(by:)` added.
final class SteppedClock: CacheClock {
    private let start = SystemCacheClock().now()
    private let moving: Bool
    private let offset = LockedValue<Double>(0)

    init(moving: Bool) {
        self.moving = moving
    }

    func now() -> Double {
        (moving ? SystemCacheClock().now() : start) + offset.withLock { $0 }
    }

    func advance(by seconds: Double) {
        offset.withLock { $0 += seconds }
    }
}

/// `base` moved by `shift` seconds.
struct ShiftedClock: CacheClock {
    let base: SteppedClock
    let shift: Double
    func now() -> Double { base.now() + shift }
}
