import DogpileCache
import DogpileMemcached
import DogpileMemcachedTesting
import Foundation
import Testing

/// The memcached servers `scripts/test.sh` started for the tests, and the binary to start more.
enum TestServers {
    /// `DOGPILE_MEMCACHED_SERVERS`, as the script exported it.
    static let shared: String? = ProcessInfo.processInfo.environment["DOGPILE_MEMCACHED_SERVERS"]
    /// The memcached binary, for tests that start, stop and freeze servers of their own.
    static let binary = ProcessInfo.processInfo.environment["DOGPILE_MEMCACHED_BINARY"] ?? "/usr/bin/memcached"
    /// Whether the memcached suites run: when the script started servers, and always in CI, where a
    /// missing server then fails the tests instead of skipping them.
    static let enabled = shared != nil || ProcessInfo.processInfo.environment["CI"] == "true"

    /// The first shared server.
    static func first() throws -> MemcachedBackend.Server {
        try all()[0]
    }

    /// Every shared server.
    static func all() throws -> [MemcachedBackend.Server] {
        guard let shared else {
            throw CacheError(.backendUnavailable, "no memcached server: run scripts/test.sh, which starts them")
        }
        return try MemcachedBackend.Configuration(url: shared).servers
    }

    /// A backend on the first shared server with short timeouts.
    static func backend(_ adjust: (inout MemcachedBackend.Configuration) -> Void = { _ in }) throws -> MemcachedBackend {
        var configuration = MemcachedBackend.Configuration(servers: [try first()])
        configuration.poolSize = 2
        adjust(&configuration)
        return try MemcachedBackend(configuration: configuration)
    }
}

/// A key no other test uses.
func uniqueKey(_ name: String) -> String {
    "test:\(name):\(UInt64.random(in: 0...UInt64.max))"
}

extension MemcachedServerProcess {
    /// A server of a test's own, started from the binary the test script names.
    convenience init(port: Int? = nil, extraArguments: [String] = []) async throws {
        try await self.init(binary: TestServers.binary, port: port, extraArguments: extraArguments)
    }
}
