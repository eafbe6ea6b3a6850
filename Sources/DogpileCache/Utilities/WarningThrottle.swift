import Synchronization

/// Decides which warnings are logged, so that a failure that repeats is logged when it starts and
/// when it ends, not on every call.
///
/// Two kinds: a *streak* is a failure of one kind (say, "backend") that goes on until a success of
/// the same kind comes at least ``quietPeriod`` after the last failure (so a backend with one server
/// of three down, whose calls fail and succeed in turn, is one streak, not one per failure); a
/// *one-time warning* is logged once per subject: a key (a record of another key found under it), a
/// type (a value that cannot be encoded). The owner logs outside the throttle: no lock is held while
/// logging. Times are the region clock's seconds.
package final class WarningThrottle: Sendable {
    private struct Streak {
        var failures = 0
        var lastFailure = 0.0
    }

    private struct State {
        /// The streaks that have started and not ended.
        var streaks: [String: Streak] = [:]
        var warnedSubjects: Set<String> = []
    }

    /// How long after its last failure a success ends a streak, in seconds: 10.
    package static let quietPeriod = 10.0

    /// How many subjects are remembered as warned about; past this the memory starts again, so a
    /// subject may be warned about a second time after this many others.
    package static let warnedSubjectLimit = 10_000

    private let state = LockedValue(State())
    /// Whether any streak is on: a success reads only this when none is, taking no lock.
    private let hasStreaks = Atomic<Bool>(false)

    package init() {}

    /// Records a failure in streak `name` at `now`; `true` when it starts the streak (log it).
    package func failed(_ name: String, now: Double) -> Bool {
        state.withLock { state in
            var streak = state.streaks[name, default: Streak()]
            streak.failures += 1
            streak.lastFailure = now
            state.streaks[name] = streak
            hasStreaks.store(true, ordering: .relaxed)
            return streak.failures == 1
        }
    }

    /// Records a success in streak `name`: the number of failures of the streak it ends (log it), or
    /// `nil` when no such streak was on or its last failure is more recent than ``quietPeriod``.
    /// `now` is read only when some streak is on.
    package func succeeded(_ name: String, now: () -> Double) -> Int? {
        guard hasStreaks.load(ordering: .relaxed) else { return nil }
        let now = now()
        return state.withLock { state in
            guard let streak = state.streaks[name], now - streak.lastFailure >= Self.quietPeriod else { return nil }
            state.streaks[name] = nil
            if state.streaks.isEmpty {
                hasStreaks.store(false, ordering: .relaxed)
            }
            return streak.failures
        }
    }

    /// `true` the first time it is asked about `subject` (log it), `false` after.
    package func isFirstWarning(about subject: String) -> Bool {
        state.withLock { state in
            if state.warnedSubjects.count >= Self.warnedSubjectLimit, !state.warnedSubjects.contains(subject) {
                state.warnedSubjects.removeAll(keepingCapacity: true)
            }
            return state.warnedSubjects.insert(subject).inserted
        }
    }
}
