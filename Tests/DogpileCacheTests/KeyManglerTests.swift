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

    /// FIPS 180-2's examples, a million `a`s, and messages of each length around a block's end
    /// (digests from Python's hashlib).
    @Test(arguments: [
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
        (String(repeating: "a", count: 1_000_000), "34aa973cd4c4daa4f61eeb2bdbad27316534016f"),
        (String(repeating: "k", count: 55), "5e1de406b6d9bebd69d34827085294fefddc11c0"),
        (String(repeating: "k", count: 56), "9eb2a7db88af677c4111d3e7abc2be0197d981a6"),
        (String(repeating: "k", count: 63), "f14bcaa24dea6cc593b0bf3e6f282f6dc54db54b"),
        (String(repeating: "k", count: 64), "ae9257c05b6d6185c189a3c2867bbca720d7e095"),
        (String(repeating: "k", count: 65), "e5f412114bfbd9c0a54966b9cbe0b4bd73568281"),
        (String(repeating: "k", count: 119), "5ab243574f3c9e0f978c0a3ed3c6c2c5342c4da3"),
        (String(repeating: "k", count: 120), "518a851abb79ae865542a00aad077b11950e6fae"),
        (String(repeating: "k", count: 128), "890531b1f2783d12fcb3eab39c4b3084fdc5c35c"),
    ])
    func sha1MatchesTheStandardsDigests(message: String, digest: String) {
        #expect(KeyMangler.sha1(message) == digest)
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
