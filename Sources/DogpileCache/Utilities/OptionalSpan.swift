import Instrumentation
import Tracing

/// Runs `body` in a span named `operationName` when an instrument is bootstrapped, else without one
/// (`body` gets `nil`). The instrument is looked up on every call, as swift-distributed-tracing asks
/// of libraries.
///
/// Why not `withSpan` always: with no instrument bootstrapped, `withSpan`'s lookup of the tracer and
/// its no-op span cost 40% of a region's miss (`HitProfile 1000000 1 miss`) and 15% of memcached
/// hit throughput (`MemcachedLoad`, 64 tasks), measured 2026-12-04; looking up the instrument and
/// checking it against `NoOpInstrument` costs neither measurably.
package nonisolated(nonsending) func withOptionalSpan<Result>(
    _ operationName: String,
    ofKind kind: SpanKind = .internal,
    _ body: nonisolated(nonsending) ((any Span)?) async throws -> Result
) async throws -> Result {
    guard !(InstrumentationSystem.instrument is NoOpInstrument) else {
        return try await body(nil)
    }
    return try await InstrumentationSystem.tracer.withSpan(operationName, ofKind: kind) { span in
        try await body(span)
    }
}
