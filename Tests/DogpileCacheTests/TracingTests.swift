import DogpileCache
import DogpileCacheTesting
import InMemoryTracing
import Tracing
import Testing

/// The `cache.create` spans a region's creations record, read from the process's in-memory tracer.
@Suite(.timeLimit(.minutes(1)))
struct TracingTests {
    /// A region whose name no other test uses, so that its spans are its own.
    private func region(_ name: String, includesKeysInSpans: Bool = false) throws -> (CacheRegion, () -> [FinishedInMemorySpan]) {
        _ = TestTracing.tracer
        let region = try CacheRegion(name: name, backend: MemoryBackend(), includesKeysInSpans: includesKeysInSpans)
        return (region, { TestTracing.finishedSpans(named: "cache.create") { $0.attributes.get("cache.region") == .string(name) } })
    }

    @Test("a creation is one cache.create span with the region, the key count and the outcome, but not the key")
    func creationSpan() async throws {
        let (region, spans) = try region("tracing.create")
        _ = try await region.getOrCreate("user:42") { "Ada" }
        let span = try #require(spans().first)
        #expect(spans().count == 1)
        #expect(span.kind == .internal)
        #expect(span.attributes.get("cache.keys.count") == .int64(1))
        #expect(span.attributes.get("cache.outcome") == .string("success"))
        #expect(span.attributes.get("cache.key") == nil)
        #expect(span.errors.isEmpty)
    }

    @Test("hits start no span")
    func hitsStartNoSpan() async throws {
        let (region, spans) = try region("tracing.hits")
        _ = try await region.getOrCreate("a") { 1 }
        for _ in 0..<10 {
            _ = try await region.getOrCreate("a") { 2 }
        }
        #expect(try await region.get("a", as: Int.self) == 1)
        #expect(spans().count == 1)
        #expect(TestTracing.tracer.activeSpans.allSatisfy { $0.attributes.get("cache.region") != .string("tracing.hits") })
    }

    @Test("the creation's span is a child of the span of the caller that started it")
    func childOfTheCaller() async throws {
        let (region, spans) = try region("tracing.parent")
        let (traceID, spanID) = try await withSpan("request") { request in
            _ = try await region.getOrCreate("a") { 1 }
            return (request.context.inMemorySpanContext!.traceID, request.context.inMemorySpanContext!.spanID)
        }
        let span = try #require(spans().first)
        #expect(span.traceID == traceID)
        #expect(span.parentSpanID == spanID)
    }

    @Test("a failed creation is outcome failure, with the error recorded")
    func failedCreation() async throws {
        let (region, spans) = try region("tracing.failure")
        await #expect(throws: CreatorFailure.self) {
            try await region.getOrCreate("a") { () async throws -> Int in throw CreatorFailure(attempt: 1) }
        }
        let span = try #require(spans().first)
        #expect(span.attributes.get("cache.outcome") == .string("failure"))
        #expect(span.errors.count == 1)
        #expect(span.errors.first?.error is CreatorFailure)
    }

    @Test("keys are on the span only when the region opts in; a multi-key creation lists them")
    func keysWhenOptedIn() async throws {
        let (region, spans) = try region("tracing.keys", includesKeysInSpans: true)
        _ = try await region.getOrCreate("a") { 1 }
        _ = try await region.getOrCreateMulti(["b", "c", "a"]) { keys in keys.map { _ in 2 } }
        let recorded = spans()
        #expect(recorded.count == 2)
        let one = try #require(recorded.first { $0.attributes.get("cache.keys.count") == .int64(1) })
        #expect(one.attributes.get("cache.key") == .string("a"))
        let many = try #require(recorded.first { $0.attributes.get("cache.keys.count") == .int64(2) })
        #expect(many.attributes.get("cache.keys") == .stringArray(["b", "c"]))
        #expect(many.attributes.get("cache.key") == nil)
    }

    @Test("concurrent callers of one key share one creation span")
    func oneSpanPerCreation() async throws {
        let (region, spans) = try region("tracing.single-flight")
        let gate = CreationGate()
        let first = try await startParkedCreation(in: region, key: "a", gate: gate, returning: 1)
        let joiners = (0..<10).map { _ in Task { try await region.getOrCreate("a") { 2 } } }
        try await waitUntil { region.statistics.coalescedWaiters == 10 }
        gate.open()
        _ = try await first.value
        for joiner in joiners {
            _ = try await joiner.value
        }
        #expect(spans().count == 1)
    }
}
