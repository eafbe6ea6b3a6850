import DogpileCache
import Testing

@testable import DogpileMemcached

@Suite struct MemcachedServerHealthTests {
    final class TestClock: Sendable {
        let start = ContinuousClock.now
        let offset = LockedValue(Duration.zero)
        var now: ContinuousClock.Instant { start + offset.withLock { $0 } }
        func advance(_ duration: Duration) { offset.withLock { $0 += duration } }
    }

    @Test func aServerIsSkippedAfterTheFailureLimitThenProbedOnceAfterTheRetryTimeout() {
        let clock = TestClock()
        let health = MemcachedServerHealth(failureLimit: 2, retryTimeout: .seconds(2)) { clock.now }
        #expect(!health.recordFailure(0))
        #expect(health.admits(0), "one failure is under the limit")
        #expect(health.recordFailure(0), "the breaker opens")
        #expect(!health.admits(0))
        #expect(health.admits(1), "other servers are unaffected")
        clock.advance(.seconds(2))
        #expect(health.admits(0), "one probe after the retry timeout")
        #expect(!health.admits(0), "while the probe runs, others are still skipped")
        #expect(!health.recordFailure(0), "a failed probe does not open it again")
        clock.advance(.seconds(1))
        #expect(!health.admits(0), "a failed probe skips the server for another retry timeout")
        clock.advance(.seconds(1))
        #expect(health.admits(0))
        #expect(health.recordSuccess(0), "the breaker closes")
        #expect(health.admits(0))
        #expect(!health.recordFailure(0))
        #expect(health.admits(0), "a success resets the count")
        #expect(!health.recordSuccess(0), "a success after a failure under the limit closes nothing")
    }
}
