import DogpileCache
import DogpileCacheTesting
import Testing

@Suite struct BackendConformanceTests {
    @Test(arguments: BackendConformance.checks)
    func memoryBackend(_ check: BackendConformance.Check) async throws {
        try await check.run(on: MemoryBackend())
    }

    @Test(arguments: BackendConformance.checks)
    func boundedMemoryBackend(_ check: BackendConformance.Check) async throws {
        try await check.run(on: MemoryBackend(maxEntries: 64))
    }

    @Test(arguments: BackendConformance.checks)
    func nullBackend(_ check: BackendConformance.Check) async throws {
        try await check.run(on: NullBackend(), storesValues: false)
    }

    @Test func runAllNamesTheFailedChecks() async throws {
        // NullBackend drops writes, so the checks that read a value back must fail.
        let error = await #expect(throws: BackendConformanceFailure.self) {
            try await BackendConformance.run { NullBackend() }
        }
        let failures = error?.failures ?? []
        #expect(failures.contains { $0.hasPrefix("set then get returns the value and its metadata:") })
        #expect(!failures.contains { $0.hasPrefix("get of a missing key is nil:") })
    }
}
