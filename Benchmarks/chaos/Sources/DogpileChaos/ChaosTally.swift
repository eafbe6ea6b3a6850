/// What the callers of one load task saw; tasks' tallies add up to the run's.
struct ChaosTally: Sendable {
    /// Calls made.
    var requests = 0
    /// Calls answered without running their own creator (a hit, a stale value, or another
    /// caller's creation).
    var cached = 0
    /// Calls that ran their own creator.
    var creations = 0
    /// Values of another key.
    var wrongValues = 0
    /// Values that are not whole values this run wrote.
    var corruptValues = 0
    /// Calls whose creator ran and returned, yet the call returned something else or threw.
    var lostCreations = 0
    /// Errors thrown to callers.
    var errors = 0
    /// The first error a caller saw, for the report.
    var firstError: String?
    /// The longest call.
    var longestCall: Duration = .zero

    static func + (left: ChaosTally, right: ChaosTally) -> ChaosTally {
        ChaosTally(
            requests: left.requests + right.requests,
            cached: left.cached + right.cached,
            creations: left.creations + right.creations,
            wrongValues: left.wrongValues + right.wrongValues,
            corruptValues: left.corruptValues + right.corruptValues,
            lostCreations: left.lostCreations + right.lostCreations,
            errors: left.errors + right.errors,
            firstError: left.firstError ?? right.firstError,
            longestCall: max(left.longestCall, right.longestCall)
        )
    }
}
