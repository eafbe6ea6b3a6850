import DogpileCache
import DogpileCacheTesting
import Testing

/// A memory backend that asks for digests of its keys, as a backend with a key-length limit would.
struct DigestingBackend: ProxyBackend {
    var proxied: any AsyncCacheBackend = MemoryBackend()
    var keyMangler: KeyMangler? { .sha1 }
}

@Suite struct KeyManglerTests {
    @Test func sha1IsTheLowercaseHexDigestOfTheUTF8Key() {
        #expect(KeyMangler.sha1("some_key") == "53def077a4264bd3183d4eb21b1f56f883e1b572")
        #expect(KeyMangler.sha1("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(KeyMangler.sha1("méil drôle").count == 40)
        #expect(KeyMangler.sha1("a\r\nflush_all").allSatisfy { "0123456789abcdef".contains($0) })
    }

    @Test func lengthConditionalManglesOnlyLongKeys() {
        let mangler = KeyMangler.lengthConditional(length: 10, mangler: .sha1)
        #expect(mangler("short") == "short")
        #expect(mangler("123456789") == "123456789")
        #expect(mangler("1234567890") == "#" + KeyMangler.sha1("1234567890"))
        // Length counts UTF-8 bytes: five two-byte characters reach ten.
        #expect(mangler("ééééé") == "#" + KeyMangler.sha1("ééééé"))
    }

    @Test func aShortKeyCannotBeSpelledLikeAMangledLongOne() {
        let mangler = KeyMangler.lengthConditional(length: 50, mangler: .sha1)
        let long = String(repeating: "x", count: 60)
        let mangledLong = mangler(long)
        // Neither the digest itself nor its marked form, given as a short key, reaches the same key.
        #expect(mangler(KeyMangler.sha1(long)) != mangledLong)
        #expect(mangler(mangledLong) != mangledLong)
        #expect(mangler("#short").hasPrefix("#"))
        #expect(mangler("#short") != "#short")
    }

    @Test func prefixManglerAndComposition() {
        #expect(KeyMangler.prefix("app:")("k") == "app:k")
    }

    @Test func theBackendsManglerAppliesWhenTheRegionHasNone() async throws {
        let memory = MemoryBackend()
        let region = try CacheRegion(backend: DigestingBackend(proxied: memory))
        try await region.set("user:42", "v")
        #expect(try await memory.get(KeyMangler.sha1("user:42"))?.payload as? String == "v")
        #expect(try await region.getOrCreate("user:42") { "other" } == "v")
    }

    @Test func theRegionsManglerWinsOverTheBackends() async throws {
        let memory = MemoryBackend()
        let region = try CacheRegion(backend: DigestingBackend(proxied: memory), keyMangler: .prefix("app:"))
        try await region.set("k", 1)
        #expect(try await memory.get("app:k")?.payload as? Int == 1)
    }

    @Test func proxiesPassTheBackendsManglerThrough() async throws {
        let memory = MemoryBackend()
        let region = try CacheRegion(backend: DigestingBackend(proxied: memory), wrap: [LoggingProxy()])
        try await region.set("k", 1)
        #expect(try await memory.get(KeyMangler.sha1("k"))?.payload as? Int == 1)
    }
}
