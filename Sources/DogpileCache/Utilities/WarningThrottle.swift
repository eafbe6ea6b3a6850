import Synchronization

/// Decides which warnings are logged, so that a failure that repeats is logged when it starts and
/// when it ends, not on every call.
///
/// Two kinds: a *streak* is a failure of one kind (say, "backend") that goes on until a success of
/// the same kind ends it; a *key warning* is logged once per key (a record of another key found under
/// this one). The owner logs outside the throttle: no lock is held while logging.
package final class WarningThrottle: Sendable {
    private struct State {
        /// Failures so far in each streak that has started and not ended.
        var streaks: [String: Int] = [:]
        var warnedKeys: Set<String> = []
    }

    /// How many keys are remembered as warned about; past this the memory starts again, so a key
    /// may be warned about a second time after this many others.
    package static let warnedKeyLimit = 10_000

    private let state = LockedValue(State())
    /// Whether any streak is on: a success reads only this when none is, taking no lock.
    private let hasStreaks = Atomic<Bool>(false)

    package init() {}

    /// Records a failure in streak `name`; `true` when it starts the streak (log it).
    package func failed(_ name: String) -> Bool {
        state.withLock { state in
            let failures = state.streaks[name, default: 0] + 1
            state.streaks[name] = failures
            hasStreaks.store(true, ordering: .relaxed)
            return failures == 1
        }
    }

    /// Records a success in streak `name`: the number of failures of the streak it ends (log it), or
    /// `nil` when no such streak was on.
    package func succeeded(_ name: String) -> Int? {
        guard hasStreaks.load(ordering: .relaxed) else { return nil }
        return state.withLock { state in
            let failures = state.streaks.removeValue(forKey: name)
            if state.streaks.isEmpty {
                hasStreaks.store(false, ordering: .relaxed)
            }
            return failures
        }
    }

    /// Whether streak `name` is on.
    package func isFailing(_ name: String) -> Bool {
        hasStreaks.load(ordering: .relaxed) && state.withLock { $0.streaks[name] != nil }
    }

    /// `true` the first time it is asked about `key` (log it), `false` after.
    package func isFirstWarning(forKey key: String) -> Bool {
        state.withLock { state in
            if state.warnedKeys.count >= Self.warnedKeyLimit, !state.warnedKeys.contains(key) {
                state.warnedKeys.removeAll(keepingCapacity: true)
            }
            return state.warnedKeys.insert(key).inserted
        }
    }
}
