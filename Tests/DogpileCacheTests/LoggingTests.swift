import Foundation
import DogpileCache
import DogpileCacheTesting
import Logging
import Testing

/// Collects log messages so tests can read what the region said.
final class CapturedLog: Sendable {
    private let lines = LockedValue<[(level: Logger.Level, line: String)]>([])

    var messages: [String] { lines.withLock { $0.map(\.line) } }
    /// The messages logged at warning level or above.
    var warnings: [String] { lines.withLock { $0.filter { $0.level >= .warning }.map(\.line) } }

    func logger() -> Logger {
        var logger = Logger(label: "dogpile.cache") { _ in Handler(log: self) }
        logger.logLevel = .debug
        return logger
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let details = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            let line = ([event.message.description] + details).joined(separator: " ")
            log.lines.withLock { $0.append((event.level, line)) }
        }
    }
}

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
        #expect(log.messages.contains { $0.hasPrefix("backend error error=InjectedFailure() key=broken operation=get") })
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
