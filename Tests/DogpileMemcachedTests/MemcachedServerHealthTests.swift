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
        health.recordFailure(0)
        #expect(health.admits(0), "one failure is under the limit")
        health.recordFailure(0)
        #expect(!health.admits(0))
        #expect(health.admits(1), "other servers are unaffected")
        clock.advance(.seconds(2))
        #expect(health.admits(0), "one probe after the retry timeout")
        #expect(!health.admits(0), "while the probe runs, others are still skipped")
        health.recordFailure(0)
        clock.advance(.seconds(1))
        #expect(!health.admits(0), "a failed probe skips the server for another retry timeout")
        clock.advance(.seconds(1))
        #expect(health.admits(0))
        health.recordSuccess(0)
        #expect(health.admits(0))
        health.recordFailure(0)
        #expect(health.admits(0), "a success resets the count")
    }
}
