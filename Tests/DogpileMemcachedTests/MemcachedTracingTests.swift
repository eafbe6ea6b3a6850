import DogpileCache
import DogpileCacheTesting
import DogpileMemcached
import DogpileMemcachedTesting
import InMemoryTracing
import Testing
import Tracing

/// The client spans of memcached round trips, read from the process's in-memory tracer.
@Suite(.enabled(if: TestServers.enabled, "memcached not started: run scripts/test.sh"), .timeLimit(.minutes(1)))
struct MemcachedTracingTests {
    /// Runs `body` in a span of its own and returns the finished spans that are its children.
    private func childSpans(of body: () async throws -> Void) async throws -> [FinishedInMemorySpan] {
        _ = TestTracing.tracer
        let parent = try await withSpan("test.memcached") { span in
            try await body()
            return span.context.inMemorySpanContext!.spanID
        }
        return TestTracing.tracer.finishedSpans.filter { $0.parentSpanID == parent }
    }

    @Test("each round trip of a creation under the distributed lock is a client span with database attributes")
    func roundTripsOfACreation() async throws {
        let backend = try TestServers.backend { $0.distributedLock = true }
        defer { Task { await backend.shutdown() } }
        let region = try CacheRegion(backend: backend)
        let key = uniqueKey("tracing")
        let spans = try await childSpans {
            _ = try await region.getOrCreate(key) { "value" }
        }
        // The miss, the lock, the read again under the lock (each with the invalidation records), the creation, the store, the release.
        #expect(spans.map(\.operationName).sorted() == ["add", "cache.create", "get", "get", "gets cas", "set"])
        for span in spans where span.operationName != "cache.create" {
            #expect(span.kind == .client)
            #expect(span.attributes.get("db.system.name") == .string("memcached"))
            #expect(span.attributes.get("db.operation.name") == .string(span.operationName))
            // A read carries the region's two invalidation records.
            #expect(span.attributes.get("db.operation.batch.size") == (span.operationName == "get" ? .int64(3) : nil))
        }
    }

    @Test("a multi-key read is one get span with its batch size; a hit on memcached is a round trip too")
    func batchSize() async throws {
        let backend = try TestServers.backend()
        defer { Task { await backend.shutdown() } }
        let keys = (0..<3).map { uniqueKey("tracing-multi-\($0)") }
        let spans = try await childSpans {
            _ = try await backend.getMulti(keys)
        }
        #expect(spans.count == 1)
        #expect(spans.first?.operationName == "get")
        #expect(spans.first?.attributes.get("db.operation.batch.size") == .int64(3))
    }

    @Test("a failed round trip records its error on its span")
    func failedRoundTrip() async throws {
        var configuration = MemcachedBackend.Configuration(servers: [.init(host: "127.0.0.1", port: try MemcachedServerProcess.freePort())])
        configuration.poolSize = 1
        let backend = try MemcachedBackend(configuration: configuration)
        defer { Task { await backend.shutdown() } }
        let spans = try await childSpans {
            await #expect(throws: CacheError.self) { try await backend.get("nobody-listens") }
        }
        #expect(spans.count == 1)
        #expect(spans.first?.errors.count == 1)
    }
}
