import Logging

/// Failures that repeat, logged when they start and when they end, not on every call
/// (``WarningThrottle``).
extension CacheRegion {
    /// Logs a failure of the kind `streak`: at warning when it starts a streak of such failures, at
    /// debug while the streak goes on.
    nonisolated func warn(streak: String, _ message: @autoclosure () -> String, metadata: @autoclosure () -> Logger.Metadata = [:]) {
        var metadata = metadata()
        metadata["region"] = "\(name)"
        if warnings.failed(streak, now: clock.now()) {
            logger.warning("\(message())", metadata: metadata)
        } else {
            logger.debug("\(message())", metadata: metadata)
        }
    }

    /// Ends the streak of failures of the kind `streak` after a success, if one was on and its last
    /// failure is ``WarningThrottle/quietPeriod`` old, logging at notice that it ended and after how
    /// many failures. Costs one atomic load when no streak is on.
    @inline(__always)
    nonisolated func endStreak(_ streak: String, _ message: @autoclosure () -> String) {
        guard let failures = warnings.succeeded(streak, now: { clock.now() }) else { return }
        logger.notice("\(message())", metadata: ["region": "\(name)", "failures": "\(failures)"])
    }
}
