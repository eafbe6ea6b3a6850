import DogpileCache
import DogpileCacheTesting
import Testing

@Suite struct RegionConfigurationTests {
    @Test func unconfiguredRegionThrowsRegionNotConfigured() async throws {
        let region = CacheRegion(name: "later")
        #expect(!region.isConfigured)
        await #expect(throws: CacheError(.regionNotConfigured, "")) {
            _ = try await region.getOrCreate("k") { "v" }
        }
        await #expect(throws: CacheError(.regionNotConfigured, "")) {
            _ = try await region.get("k", as: String.self)
        }
        await #expect(throws: CacheError(.regionNotConfigured, "")) {
            try await region.set("k", "v")
        }
        #expect(throws: CacheError(.regionNotConfigured, "")) {
            _ = try region.backend
        }
    }

    @Test func twoStepConfiguration() async throws {
        let region = CacheRegion(name: "users")
        try await region.configure(backend: MemoryBackend(), expirationTime: .minutes(5))
        #expect(region.isConfigured)
        #expect(region.expirationTime == .seconds(300))
        #expect(try region.backend is MemoryBackend)
        #expect(try region.actualBackend is MemoryBackend)
        #expect(try await region.getOrCreate("k") { "v" } == "v")
    }

    @Test func secondConfigureWithoutReplaceThrows() async throws {
        let region = try CacheRegion(backend: MemoryBackend())
        let error = await #expect(throws: CacheError.self) {
            try await region.configure(backend: NullBackend())
        }
        #expect(error?.code == .regionAlreadyConfigured)
        #expect(error?.message.contains("replaceExistingBackend") == true)
        #expect(try region.backend is MemoryBackend)
    }

    @Test func replaceExistingBackendSwapsTheBackend() async throws {
        let region = try CacheRegion(backend: MemoryBackend())
        try await region.set("k", "old")
        try await region.configure(backend: NullBackend(), replaceExistingBackend: true)
        #expect(try region.backend is NullBackend)
        #expect(try await region.get("k", as: String.self) == nil)
    }

    @Test func negativeExpirationIsRejected() async throws {
        #expect(throws: CacheError(.invalidConfiguration, "")) {
            _ = try CacheRegion(backend: MemoryBackend(), expirationTime: .seconds(-1))
        }
        let region = try CacheRegion(backend: MemoryBackend())
        await #expect(throws: CacheError(.invalidConfiguration, "")) {
            _ = try await region.getOrCreate("k", expirationTime: .seconds(.nan)) { 1 }
        }
    }

    @Test func expirationForms() {
        #expect(CacheExpiration.minutes(2) == .seconds(120))
        #expect(CacheExpiration.hours(1) == .seconds(3600))
        #expect(CacheExpiration(.milliseconds(1500)) == .seconds(1.5))
        #expect(CacheExpiration.duration(.seconds(3)).timeInterval == 3)
        #expect(CacheExpiration.never.timeInterval == nil)
    }

    @Test func nullBackendRunsTheCreatorEveryTime() async throws {
        let region = try CacheRegion(backend: NullBackend())
        let log = CreatorLog()
        for _ in 0..<3 {
            _ = try await region.getOrCreate("k") {
                log.record()
                return 1
            }
        }
        #expect(log.calls == 3)
    }

    @Test func keyManglerAppliesToEveryOperation() async throws {
        let backend = MemoryBackend()
        let region = try CacheRegion(backend: backend, keyMangler: .prefix("app:"))
        try await region.set("a", 1)
        #expect(try await backend.get("app:a")?.payload as? Int == 1)
        #expect(try await backend.get("a") == nil)
        #expect(try await region.getOrCreate("b") { 2 } == 2)
        #expect(try await backend.get("app:b")?.payload as? Int == 2)
        _ = try await region.getOrCreateMulti(["c", "d"]) { keys in keys.map { _ in 3 } }
        #expect(try await backend.getMulti(["app:c", "app:d"]).compactMap { $0?.payload as? Int } == [3, 3])
        try await region.delete("a")
        #expect(try await backend.get("app:a") == nil)
        try await region.deleteMulti(["b", "c"])
        #expect(try await backend.getMulti(["app:b", "app:c"]).allSatisfy { $0 == nil })
    }
}
