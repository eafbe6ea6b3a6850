@testable import DogpileCache
import DogpileCacheTesting
import Testing

/// Two types of the same shape: JSON cannot tell one's bytes from the other's.
struct Celsius: Codable, Equatable, Sendable { var degrees: Int }
struct Fahrenheit: Codable, Equatable, Sendable { var degrees: Int }
private struct PrivateReading: Codable, Equatable, Sendable { var degrees: Int }

/// A value record proves whose it is: read under another key or as another type, it is a miss,
/// counted and warned about once per key (<doc:ValueRecords>).
@Suite struct RecordIdentityTests {
    @Test func aRecordMovedToAnotherKeyIsAMiss() async throws {
        let log = CapturedLog()
        let backend = BytesMemoryBackend()
        let region = try CacheRegion(backend: backend, logger: log.logger())
        try await region.set("user:1", Celsius(degrees: 1))
        let moved = try #require(try await backend.get("user:1"))
        try await backend.set("user:2", moved)

        #expect(try await region.get("user:2", as: Celsius.self) == nil)
        #expect(try await region.getOrCreate("user:2") { Celsius(degrees: 2) } == Celsius(degrees: 2))
        #expect(try await region.get("user:2", as: Celsius.self) == Celsius(degrees: 2))
        #expect(try await region.get("user:1", as: Celsius.self) == Celsius(degrees: 1))
        #expect(region.statistics.mismatchedRecords == 2)
        #expect(log.warnings.count == 1)
        #expect(log.warnings.first?.contains("written under another key") == true)
        #expect(log.warnings.first?.contains("key=user:2") == true)
    }

    @Test func aRecordReadAsAnotherTypeIsAMiss() async throws {
        let log = CapturedLog()
        let region = try CacheRegion(backend: BytesMemoryBackend(), logger: log.logger())
        try await region.set("n", 42)
        try await region.set("t", Celsius(degrees: 20))
        // JSON would read 42 as a Double, and a Celsius as a Fahrenheit.
        #expect(try await region.get("n", as: Double.self) == nil)
        #expect(try await region.get("t", as: Fahrenheit.self) == nil)
        #expect(try await region.get("t", as: Fahrenheit.self) == nil)
        #expect(try await region.getOrCreateMulti(["t"]) { _ in [Fahrenheit(degrees: 68)] } == [Fahrenheit(degrees: 68)])
        #expect(try await region.get("n", as: Int.self) == 42)
        #expect(region.statistics.mismatchedRecords == 4)
        #expect(log.warnings.count == 2)
        #expect(log.warnings.allSatisfy { $0.contains("stored as another type") })
    }

    @Test func theMemoryBackendNeverReadsAValueAsAnotherType() async throws {
        let region = try CacheRegion(backend: MemoryBackend())
        try await region.set("t", Celsius(degrees: 20))
        #expect(try await region.get("t", as: Fahrenheit.self) == nil)
        #expect(try await region.getOrCreate("t") { Fahrenheit(degrees: 68) } == Fahrenheit(degrees: 68))
        // An object store holds no records: nothing is someone else's, so nothing is counted.
        #expect(region.statistics.mismatchedRecords == 0)
    }

    @Test func aKeyIsWarnedAboutOnceAndOthersStillAre() async throws {
        let log = CapturedLog()
        let region = try CacheRegion(backend: BytesMemoryBackend(), logger: log.logger())
        try await region.set("a", 1)
        try await region.set("b", 2)
        for _ in 0..<3 {
            #expect(try await region.get("a", as: String.self) == nil)
        }
        #expect(try await region.get("b", as: String.self) == nil)
        #expect(log.warnings.count == 2)
        #expect(region.statistics.mismatchedRecords == 4)
    }

    @Test func typeNamesAreTheSameInEveryProcess() {
        // A private type's name holds an address that changes with each process; the check leaves it out.
        #expect(String(reflecting: PrivateReading.self).contains("unknown context at $"))
        #expect(ValueRecord.typeName(of: PrivateReading.self) == "DogpileCacheTests.(private).PrivateReading")
        #expect(ValueRecord.typeName(of: [PrivateReading?].self) == "Swift.Array<Swift.Optional<DogpileCacheTests.(private).PrivateReading>>")
        #expect(ValueRecord.typeName(of: Celsius.self) == "DogpileCacheTests.Celsius")
        #expect(ValueRecord.typeCheck(of: Celsius.self) == FNV1a.hash("DogpileCacheTests.Celsius".utf8))
        #expect(ValueRecord.typeCheck(of: Celsius.self) != ValueRecord.typeCheck(of: Fahrenheit.self))
    }

    @Test func theWarnedKeyMemoryIsBounded() {
        let throttle = WarningThrottle()
        #expect(throttle.isFirstWarning(about: "k"))
        #expect(!throttle.isFirstWarning(about: "k"))
        for index in 1..<WarningThrottle.warnedSubjectLimit {
            #expect(throttle.isFirstWarning(about: "\(index)"))
        }
        // Full: a new key starts the memory again, so "k" is warned about once more.
        #expect(throttle.isFirstWarning(about: "new"))
        #expect(throttle.isFirstWarning(about: "k"))
    }
}
