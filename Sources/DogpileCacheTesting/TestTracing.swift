import InMemoryTracing
import Instrumentation
import Tracing

/// The tracer of a test process: an `InMemoryTracer` that `InstrumentationSystem` is bootstrapped
/// with on first use. `InstrumentationSystem` takes one bootstrap per process, so every test that
/// reads spans shares this tracer; tell your spans apart by an attribute of your own test, such as
/// the region's name in `cache.region`.
public enum TestTracing {
    /// The bootstrapped tracer.
    public static let tracer: InMemoryTracer = {
        let tracer = InMemoryTracer()
        InstrumentationSystem.bootstrap(tracer)
        return tracer
    }()

    /// The finished spans named `operationName` for which `isMatch` holds.
    public static func finishedSpans(
        named operationName: String,
        where isMatch: (FinishedInMemorySpan) -> Bool = { _ in true }
    ) -> [FinishedInMemorySpan] {
        tracer.finishedSpans.filter { $0.operationName == operationName && isMatch($0) }
    }
}
