import Foundation
@testable import DogpileCache
import DogpileCacheTesting
import Logging
import Testing

@Suite struct LoggingTests {
    @Test func debugLinesForMissCreationStaleAndBackendErrors() async throws {
        let log = CapturedLog()
        let clock = ManualCacheClock()
        let gate = CreationGate()
        let region = try CacheRegion(
            backend: MemoryBackend(), expirationTime: .seconds(10), clock: clock, logger: log.logger()
        )
        _ = try await region.getOrCreate("k") { "v" }
        #expect(log.messages.contains("no value present for key key=k"))
        #expect(log.messages.contains { $0.hasPrefix("value generated keys=k seconds=") })

        clock.advance(by: 11)
        let regenerating = try await startParkedCreation(in: region, key: "k", gate: gate, returning: "v2")
        _ = try await region.getOrCreate("k") { "unused" }
        #expect(log.messages.contains { $0.hasPrefix("serving stale value while it is regenerated key=k") })
        gate.open()
        _ = try await regenerating.value

        let failing = try CacheRegion(backend: FailingBackend(), logger: log.logger())
        _ = try await failing.getOrCreate("broken") { 1 }
        #expect(log.warnings.contains { $0.hasPrefix("backend error: reads are misses and writes are skipped (failing open)") && $0.contains("key=broken operation=get") })
    }

    @Test func aCallsOwnLoggerGetsItsLinesWithItsMetadataAndTheRegionsDoesNot() async throws {
        let regionLog = CapturedLog()
        let requestLog = CapturedLog()
        let clock = ManualCacheClock()
        let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .seconds(10), clock: clock, logger: regionLog.logger())
        var request = requestLog.logger(label: "request")
        request[metadataKey: "request"] = "r1"

        _ = try await region.getOrCreate("k", logger: request) { "v" }
        #expect(requestLog.messages.contains("no value present for key key=k request=r1"))
        #expect(requestLog.messages.contains { $0.hasPrefix("value generated keys=k request=r1") })

        clock.advance(by: 11)
        let gate = CreationGate()
        let regenerating = try await startParkedCreation(in: region, key: "k", gate: gate, returning: "v2")
        _ = try await region.getOrCreate("k", logger: request) { "unused" }
        #expect(requestLog.messages.contains("serving stale value while it is regenerated key=k request=r1"))
        gate.open()
        _ = try await regenerating.value

        _ = try await region.getOrCreateMulti(["m1", "m2"], logger: request) { $0 }
        #expect(requestLog.messages.contains { $0.hasPrefix("value generated keys=m1 m2") })
        let loadPage = region.cacheOnArguments(name: "loadPage") { (page: Int) in "page \(page)" }
        _ = try await loadPage(7, logger: request)
        #expect(requestLog.messages.contains { $0.hasPrefix("no value present for key key=") && $0.contains("loadPage|7") })
        let loadPages = region.cacheMultiOnArguments(name: "loadPages") { (pages: [Int]) in pages.map { "page \($0)" } }
        _ = try await loadPages([1, 2], logger: request)
        #expect(requestLog.messages.contains { $0.hasPrefix("value generated keys=") && $0.contains("loadPages|1") && $0.contains("request=r1") })

        // The region's logger saw only the parked creation, which was started without a logger.
        #expect(!regionLog.messages.contains { $0.contains("m1") || $0.contains("loadPage") || $0.contains("serving stale") })
        #expect(regionLog.messages.count == 1)
        #expect(regionLog.messages.contains { $0.hasPrefix("value generated keys=k") })
    }

    @Test func anOutageIsWarnedAboutOnceWhenItStartsAndNotedWhenItEnds() async throws {
        let log = CapturedLog()
        let backend = SwitchableBackend()
        let clock = ManualCacheClock()
        let region = try CacheRegion(backend: backend, clock: clock, logger: log.logger())
        backend.isFailing = true
        for index in 0..<5 {
            #expect(try await region.getOrCreate("k\(index)") { index } == index)
        }
        #expect(region.statistics.backendErrors == 10)
        #expect(log.warnings.count == 1)
        #expect(log.warnings[0].contains("failing open") && log.warnings[0].contains("region=default"))
        #expect(log.messages.filter { $0.hasPrefix("backend error") }.count == 10, "the others at debug")
        backend.isFailing = false
        #expect(try await region.getOrCreate("k0") { 0 } == 0)
        backend.isFailing = true
        _ = try await region.getOrCreate("k8") { 8 }
        #expect(log.warnings.count == 1, "a success soon after a failure does not end the streak: calls that fail and succeed in turn are one outage")
        backend.isFailing = false
        clock.advance(by: WarningThrottle.quietPeriod)
        #expect(try await region.getOrCreate("k0") { 0 } == 0)
        #expect(log.messages.contains { $0.hasPrefix("the backend answers again after failing failures=12 region=default") })
        backend.isFailing = true
        _ = try await region.getOrCreate("k9") { 9 }
        #expect(log.warnings.count == 2, "a new outage is a new streak")

        let propagating = try CacheRegion(name: "strict", backend: backend, logger: log.logger(), backendErrors: .propagate)
        await #expect(throws: InjectedFailure.self) { try await propagating.get("k", as: Int.self) }
        #expect(log.warnings.last?.hasPrefix("backend error: the error reaches the caller") == true)
    }

    /// A long key list keeps its first and last 150 characters and says how many were cut.
    @Test func aLongKeyListKeepsItsHeadAndTail() async throws {
        let log = CapturedLog()
        let region = try CacheRegion(backend: MemoryBackend(), logger: log.logger())
        let keys = (0..<100).map { String(format: "key-%03d", $0) }  // 799 characters joined
        _ = try await region.getOrCreateMulti(keys) { $0 }
        let line = try #require(log.messages.first { $0.hasPrefix("value generated") })
        let listed = try #require(line.split(separator: "keys=").last?.split(separator: " seconds=").first)
        #expect(listed.hasPrefix(keys.joined(separator: " ").prefix(150)))
        #expect(listed.hasSuffix(keys.joined(separator: " ").suffix(150)))
        #expect(listed.contains("…(499 characters)…"))
        // A short list is given whole.
        _ = try await region.getOrCreateMulti(["a", "b"]) { $0 }
        #expect(log.messages.contains { $0.hasPrefix("value generated keys=a b seconds=") })
    }
}
