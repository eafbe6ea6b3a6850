import DogpileCache
import DogpileMemcached
import DogpileMemcachedTesting
import Logging

/// One chaos run: a server of its own, a region with the distributed lock and fail-open reads over
/// it, `tasks` callers checking every value they get, and one fault injected while they run.
///
/// The timeline: warm-up (and its requests); the fault (freeze, or kill), for its duration and until
/// the region has seen a backend error; recovery (SIGCONT, or a new server on the same port), from
/// which it times the first hit; the load stops at the lock check less a second (or at the first
/// hit, if that comes later), and the lock keys are counted a second after the last call returned,
/// so any live lock key then is one a release left behind.
public struct ChaosScenario: Sendable {
    /// What the run does.
    public let options: ChaosOptions
    private let logger: Logger

    /// A run with these options; the region and the backend log to `logger` (warnings: the outage,
    /// the breaker, lock waits given up).
    public init(options: ChaosOptions, logger: Logger = Logger(label: "dogpile.chaos")) {
        self.options = options
        self.logger = logger
    }

    /// Runs it and reports what callers saw. `progress` hears each step of the timeline.
    ///
    /// - Throws: When the server cannot be started or restarted, or the backend configured.
    public func run(progress: @Sendable (String) -> Void = { _ in }) async throws -> ChaosReport {
        let server = try await MemcachedServerProcess(binary: options.memcachedBinary)
        defer { server.stop() }
        var configuration = MemcachedBackend.Configuration(servers: [server.server])
        configuration.distributedLock = true
        configuration.lockWaitTimeout = options.lockWaitTimeout
        configuration.pollTimeout = options.pollTimeout
        let backend = try MemcachedBackend(configuration: configuration, logger: logger)
        let region = try CacheRegion(
            name: "chaos", backend: backend, expirationTime: .duration(options.expiration), logger: logger, backendErrors: .failOpen)
        let load = ChaosLoad(options: options, region: region)

        let (tally, recovery) = try await withThrowingTaskGroup(of: ChaosTally.self) { group in
            for task in 0..<options.tasks {
                group.addTask { await load.callUntilStopped(seed: UInt64(task)) }
            }
            let recovery = try await injectFault(into: server, region: region, load: load, progress: progress)
            let loadStopped = max(recovery.moment + options.lockCheckDelay - .seconds(1), ContinuousClock.now)
            try await Task.sleep(until: loadStopped)
            load.stop()
            var tally = ChaosTally()
            for try await part in group { tally = tally + part }
            return (tally, recovery)
        }
        progress("load stopped: \(tally.requests) requests")
        try await Task.sleep(for: .seconds(1))
        let lockKeys = try MemcachedServerProcess.liveValues(prefix: "_lock", port: server.port)
        progress("lock check: \(lockKeys.count) live lock keys")
        await backend.shutdown()
        let statistics = region.statistics
        return ChaosReport(
            options: options, requests: tally.requests, cached: tally.cached, creations: tally.creations,
            wrongValues: tally.wrongValues, corruptValues: tally.corruptValues, lostCreations: tally.lostCreations,
            errors: tally.errors, firstError: tally.firstError, longestCall: tally.longestCall, hitsBack: recovery.hitsBack,
            lockKeysLeft: lockKeys.count, backendErrors: statistics.backendErrors, lockWaitsTimedOut: statistics.lockWaitsTimedOut)
    }

    /// When the server answered again, and how long after that the region read its first hit.
    private struct Recovery {
        let moment: ContinuousClock.Instant
        let hitsBack: Duration?
    }

    /// Warm-up, fault, recovery; returns once a hit followed the recovery or the phase limit passed.
    private func injectFault(into server: MemcachedServerProcess, region: CacheRegion, load: ChaosLoad, progress: (String) -> Void) async throws -> Recovery {
        try await waitFor("\(options.warmupRequests) requests", atLeast: options.warmup, progress: progress) {
            load.callsReturned >= options.warmupRequests
        }
        let errorsBefore = region.statistics.backendErrors
        switch options.fault {
        case .freeze:
            progress("freeze (SIGSTOP) for \(options.faultDuration)")
            server.freeze()
        case .kill:
            progress("kill (SIGKILL), restart in \(options.faultDuration)")
            server.stop()
        }
        try await waitFor("backend error", atLeast: options.faultDuration, progress: progress) {
            region.statistics.backendErrors > errorsBefore
        }
        let moment = ContinuousClock.now
        let hitsBefore = region.statistics.hits
        switch options.fault {
        case .freeze: server.thaw()
        case .kill: try await server.start()
        }
        guard try await waitFor("hit", atLeast: .zero, progress: progress, until: { region.statistics.hits > hitsBefore }) else {
            return Recovery(moment: moment, hitsBack: nil)
        }
        let hitsBack = ContinuousClock.now - moment
        progress("hits back \(ChaosReport.format(hitsBack)) after \(options.fault == .freeze ? "SIGCONT" : "the restart")")
        return Recovery(moment: moment, hitsBack: hitsBack)
    }

    /// Waits at least `minimum`, then until `condition` holds or the phase limit has passed since the
    /// start (`false`, said in `progress`).
    @discardableResult
    private func waitFor(_ what: String, atLeast minimum: Duration, progress: (String) -> Void, until condition: () -> Bool) async throws -> Bool {
        let start = ContinuousClock.now
        try await Task.sleep(for: minimum)
        while !condition() {
            guard ContinuousClock.now - start < max(minimum, options.phaseLimit) else {
                progress("no \(what) within \(max(minimum, options.phaseLimit))")
                return false
            }
            try await Task.sleep(for: .milliseconds(1))
        }
        return true
    }
}
