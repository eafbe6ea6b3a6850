// What Observability.md's example takes for granted: a metrics factory and a tracer, here the
// packages' no-op ones.
import DogpileCache
import Metrics
import Tracing

let prometheusFactory: any MetricsFactory = NOOPMetricsHandler.instance
let otelTracer = NoOpTracer()
