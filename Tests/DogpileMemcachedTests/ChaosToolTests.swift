import DogpileCacheTesting
import Foundation
import DogpileMemcachedTesting
import Testing

@testable import DogpileChaos

/// A short run of `dogpile-chaos` per fault, and its parts. The run's timing bounds are the tool's
/// to report (Benchmarks/chaos/run); these tests assert what must hold on any machine: no value
/// wrong, corrupt or lost, no error thrown to a caller under fail-open, hits back before the load
/// stops, no lock key left, and one warning per failure streak.
@Suite(.enabled(if: TestServers.enabled, "memcached not started: run scripts/test.sh"), .timeLimit(.minutes(4)))
struct ChaosToolTests {
    @Test(arguments: ChaosOptions.Fault.allCases)
    func aShortRunLosesNothingAndLeavesNoLock(_ fault: ChaosOptions.Fault) async throws {
        // Each phase waits for its evidence (200 calls, a backend error, a hit), so a machine busy
        // with the rest of the suite slows the run down but does not change what it shows. The
        // poll timeout is the default 1 s: a shorter one times out on such a machine outside the fault.
        var options = try ChaosOptions.parse(["--fault", fault.rawValue, "--tasks", "16", "--keys", "100",
            "--warmup-ms", "1000", "--warmup-requests", "200", "--fault-ms", "2500", "--lock-check-ms", "5000"])
        options.memcachedBinary = TestServers.binary
        let log = CapturedLog()
        let report = try await ChaosScenario(options: options, logger: log.logger(label: "dogpile.chaos")).run {
            print("chaos \(fault): \($0)")
        }

        #expect(report.requests >= 200)
        #expect(report.creations > 0)
        #expect(report.cached > 0)
        #expect(report.backendErrors > 0, "the fault reached the region")
        #expect(report.wrongValues == 0)
        #expect(report.corruptValues == 0)
        #expect(report.lostCreations == 0)
        #expect(report.errors == 0, "\(report.firstError ?? "")")
        #expect(report.hitsBack != nil)
        #expect(report.lockKeysLeft == 0)
        let regionWarnings = log.warnings.filter { $0.contains("backend error: reads are misses") }
        #expect(regionWarnings.count == 1, "one warning for the outage, not one per call: \(regionWarnings)")
    }

    @Test func theLockCensusFindsLiveLockKeysOnly() async throws {
        let server = try await MemcachedServerProcess()
        let port = server.port
        _ = try MemcachedServerProcess.command("set _lockheld 0 0 5\r\ntoken\r\nset _lockgone 0 0 1\r\nx\r\nset other 0 0 1\r\ny\r\n", port: port, until: "STORED\r\nSTORED\r\nSTORED\r\n")
        _ = try MemcachedServerProcess.command("touch _lockgone -1\r\n", port: port, until: "\r\n")
        #expect(try MemcachedServerProcess.liveValues(prefix: "_lock", port: port) == ["_lockheld": "token"])
    }

    @Test func valuesOfAnotherKeyAndDamagedValuesAreTold() {
        let value = ChaosValue.make(key: "chaos:1", creation: 7)
        #expect(ChaosValue.check(value, key: "chaos:1") == .valid)
        #expect(ChaosValue.check(value, key: "chaos:2") == .wrongKey)
        #expect(ChaosValue.check(String(value.dropLast()), key: "chaos:1") == .corrupt)
        #expect(ChaosValue.check(value.replacingOccurrences(of: " 7 ", with: " 8 "), key: "chaos:1") == .corrupt)
        #expect(ChaosValue.check("", key: "chaos:1") == .corrupt)
    }

    @Test func badOptionsAreToldClearly() {
        #expect(throws: ChaosUsageError.self) { try ChaosOptions.parse(["--fault", "melt"]) }
        #expect(throws: ChaosUsageError.self) { try ChaosOptions.parse(["--tasks", "0"]) }
        #expect(throws: ChaosUsageError.self) { try ChaosOptions.parse(["--tasks"]) }
        #expect(throws: ChaosUsageError.self) { try ChaosOptions.parse(["--lock-check-ms", "1000"]) }
        #expect(throws: ChaosUsageError.self) { try ChaosOptions.parse(["--frobnicate"]) }
        #expect((try? ChaosOptions.parse([]))?.tasks == 64)
    }

    @Test func theReportTellsEachBrokenBound() {
        let options = ChaosOptions()
        let clean = ChaosReport(options: options, requests: 10, cached: 9, creations: 1, wrongValues: 0, corruptValues: 0,
            lostCreations: 0, errors: 0, firstError: nil, longestCall: .milliseconds(30), hitsBack: .milliseconds(500),
            lockKeysLeft: 0, backendErrors: 3, lockWaitsTimedOut: 0)
        #expect(clean.failures.isEmpty)
        #expect(clean.tableRow == "| freeze 3 s | 10 | 9 | 1 | 0 | 0 | 0 | 0 | 30.0 ms | 500.0 ms | 0 |")
        let broken = ChaosReport(options: options, requests: 10, cached: 9, creations: 1, wrongValues: 1, corruptValues: 2,
            lostCreations: 3, errors: 4, firstError: "e", longestCall: .seconds(8), hitsBack: nil,
            lockKeysLeft: 5, backendErrors: 3, lockWaitsTimedOut: 0)
        #expect(broken.failures.count == 7)
    }
}
