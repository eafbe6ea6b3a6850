/// What a chaos run does: the load it puts on one memcached server, the fault it injects and when.
public struct ChaosOptions: Sendable, Hashable {
    /// The fault injected into the server under load.
    public enum Fault: String, Sendable, Hashable, CaseIterable {
        /// SIGSTOP, then SIGCONT: the server keeps its connections and its values but answers nothing.
        case freeze
        /// SIGKILL, then a new server on the same port: every value and lock key is gone.
        case kill
    }

    /// The fault to inject.
    public var fault: Fault = .freeze
    /// The memcached executable the run starts.
    public var memcachedBinary = "/usr/bin/memcached"
    /// Tasks calling `getOrCreate` in a loop.
    public var tasks = 64
    /// Distinct keys the tasks read.
    public var keys = 500
    /// How long each creation takes.
    public var creationDuration: Duration = .milliseconds(20)
    /// The region's expiration time, so values are regenerated all through the run.
    public var expiration: Duration = .seconds(2)
    /// Load before the fault.
    public var warmup: Duration = .seconds(3)
    /// Calls that must have returned before the fault, however long the warm-up takes.
    public var warmupRequests = 0
    /// How long the server stays frozen, or dead before its restart, at least: the fault lasts until
    /// the region has seen a backend error.
    public var faultDuration: Duration = .seconds(3)
    /// When, after the server answers again, the run counts the lock keys left on the server: the
    /// load stops a second before (or at the first hit, if that comes later).
    public var lockCheckDelay: Duration = .seconds(5)
    /// The backend's `lockWaitTimeout`.
    public var lockWaitTimeout: Duration = .seconds(5)
    /// The backend's `pollTimeout`.
    public var pollTimeout: Duration = .seconds(1)
    /// How long the run waits, at most, for each phase to show: the warm-up requests, a backend
    /// error during the fault (the fault lasts until the region has seen one), a hit after it.
    public var phaseLimit: Duration = .seconds(60)

    /// The defaults above: 64 tasks on 500 keys, 3 s of warm-up, a 3 s freeze.
    public init() {}

    /// Reads options from command-line arguments (without the program name).
    ///
    /// - Throws: ``ChaosUsageError`` for an unknown option, a missing value or one out of range.
    public static func parse(_ arguments: [String]) throws -> ChaosOptions {
        var options = ChaosOptions()
        var remaining = arguments[...]
        func value(of option: String) throws -> String {
            guard let value = remaining.popFirst() else { throw ChaosUsageError("\(option) needs a value") }
            return value
        }
        func count(of option: String, in range: ClosedRange<Int>) throws -> Int {
            let text = try value(of: option)
            guard let count = Int(text), range.contains(count) else {
                throw ChaosUsageError("\(option) takes a whole number from \(range.lowerBound) to \(range.upperBound), not \(text.debugDescription)")
            }
            return count
        }
        func milliseconds(of option: String) throws -> Duration {
            .milliseconds(try count(of: option, in: 1...3_600_000))
        }
        while let option = remaining.popFirst() {
            switch option {
            case "--fault":
                let name = try value(of: option)
                guard let fault = Fault(rawValue: name) else {
                    throw ChaosUsageError("--fault is freeze or kill, not \(name.debugDescription)")
                }
                options.fault = fault
            case "--memcached": options.memcachedBinary = try value(of: option)
            case "--tasks": options.tasks = try count(of: option, in: 1...10_000)
            case "--keys": options.keys = try count(of: option, in: 1...1_000_000)
            case "--create-ms": options.creationDuration = try milliseconds(of: option)
            case "--expiration-ms": options.expiration = try milliseconds(of: option)
            case "--warmup-ms": options.warmup = try milliseconds(of: option)
            case "--warmup-requests": options.warmupRequests = try count(of: option, in: 0...100_000_000)
            case "--fault-ms": options.faultDuration = try milliseconds(of: option)
            case "--lock-check-ms": options.lockCheckDelay = .milliseconds(try count(of: option, in: 1_001...3_600_000))
            case "--lock-wait-timeout-ms": options.lockWaitTimeout = try milliseconds(of: option)
            case "--poll-timeout-ms": options.pollTimeout = try milliseconds(of: option)
            case "--phase-limit-ms": options.phaseLimit = try milliseconds(of: option)
            default: throw ChaosUsageError("unknown option \(option.debugDescription)")
            }
        }
        return options
    }

    /// The options, as `--help` prints them.
    public static let usage = """
        usage: dogpile-chaos [options]

        Starts memcached on a free loopback port, loads it through a CacheRegion with the distributed
        lock and fail-open reads, injects one fault, and prints what callers saw:

          --fault freeze|kill        SIGSTOP then SIGCONT, or SIGKILL then a restart (freeze)
          --memcached PATH           the memcached executable (/usr/bin/memcached)
          --tasks N                  tasks calling getOrCreate in a loop (64)
          --keys N                   distinct keys (500)
          --create-ms N              how long a creation takes (20)
          --expiration-ms N          the region's expiration time (2000)
          --warmup-ms N              load before the fault (3000)
          --warmup-requests N        calls that must have returned before the fault (0)
          --fault-ms N               how long the server is frozen or dead (3000)
          --lock-check-ms N          after recovery: stop the load 1 s before (or at the first hit) (5000)
          --lock-wait-timeout-ms N   the backend's lockWaitTimeout (5000)
          --poll-timeout-ms N        the backend's pollTimeout (1000)
          --phase-limit-ms N         the longest wait for the warm-up requests, for a backend error
                                     during the fault (it lasts until one) and for a hit after it (60000)

        Columns: requests; served without running the caller's creator; creations; values of
        another key; values whose checksum fails; calls whose own creation was not what they got;
        errors thrown to callers; the longest call; the time from SIGCONT or restart until the
        region reads hits again; live lock keys a second after the last call returned.
        Exits 1 when a value is wrong, corrupt or lost, a caller saw an error, a lock key is left,
        hits are not back within 2 s, or a call took longer than lockWaitTimeout + 2 x pollTimeout.
        """
}

/// A command line the chaos tool cannot run.
public struct ChaosUsageError: Error, CustomStringConvertible {
    /// What is wrong with it.
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
