import Synchronization

/// The latest invalidation of each tag of a region (``CacheRegion/invalidate(tag:hard:)``): a value
/// carrying a tag is invalidated when it was created before the tag's latest invalidation, hard or
/// soft as that invalidation was. As for the region's own invalidation, only a tag's latest
/// invalidation counts (``InvalidationWord``).
///
/// Read on every read of a value that carries tags, one lookup per tag under one lock; values
/// without tags never read it.
///
/// On a backend that stores bytes, the invalidations of other processes are learnt from
/// ``InvalidationRecords``: the region's tag epoch, the latest tag invalidation of any process, comes
/// with every read, and a tag's own record is read only for a value created before the epoch whose
/// tag has not been read since the epoch record last changed (``tagsToRead(of:createdAt:)``). Each
/// change counts, whatever its time: an invalidation whose time is older than the epoch, written by
/// a process that took its time before another's, is read too.
final class TagInvalidations: Sendable {
    /// What is known of one tag.
    private struct Known {
        /// Its latest invalidation, as an ``InvalidationWord``; 0 when none is known.
        var word: Int64 = 0
        /// The ``State/generation`` when its word was last read from the backend or set here.
        var generation = 0
    }

    private struct State {
        var tags: [String: Known] = [:]
        /// The latest tag invalidation known, of any process (microseconds); 0 when none.
        var epoch: Int64 = 0
        /// Counts the changes of the epoch record seen, and the invalidations made here.
        var generation = 0
        /// The write ID of the epoch record last seen or written.
        var epochWriteID: UInt64 = 0
    }

    private let state = LockedValue(State())
    /// The latest time, in microseconds, of every invalidation known here: the epoch and every
    /// tag's word. A value created at or after it is invalidated by no tag and has no tag record to
    /// read, which a read of a tagged value checks with one atomic load instead of the lock. Raised
    /// under the lock, never lowered.
    private let newest = Atomic<Int64>(0)

    /// The most tags a value may carry.
    static let maxTagsPerValue = 64
    /// The longest tag, in UTF-8 bytes.
    static let maxTagBytes = 250
    /// The most tags held at once when every tag can be read back from the backend: past it, what is
    /// known is forgotten, and read again as values need it.
    static let maxKnownTags = 65_536

    /// Records an invalidation of every tag in `tags` at `time` (region clock, seconds since 1970),
    /// whose epoch record, if one is written, has `writeID`.
    func invalidate(_ tags: [String], hard: Bool, at time: Double, writeID: UInt64 = 0) {
        let word = InvalidationWord.make(hard: hard, at: time)
        state.withLock { state in
            state.epoch = max(state.epoch, InvalidationWord.microseconds(word))
            newest.max(state.epoch, ordering: .relaxed)
            state.generation += 1
            state.epochWriteID = writeID
            for tag in tags {
                state.tags[tag] = Known(word: word, generation: state.generation)
            }
        }
    }

    /// How the tags' invalidations affect a value carrying `tags`, created at `creationTime`: the
    /// hardest of them. With `unreadAsHard`, a tag whose record is due for a read
    /// (``tagsToRead(of:createdAt:)``) counts as a hard invalidation: how a local tier's copy is
    /// judged, so that it is read from the shared backend, with the record, instead of served.
    func invalidation(of tags: [String], createdAt creationTime: Double, unreadAsHard: Bool = false) -> ValueInvalidation {
        guard isOlderThanAnInvalidation(creationTime) else { return .none }
        return state.withLock { state in
            let mayBeDue = unreadAsHard && Double(state.epoch) > creationTime * 1_000_000
            guard !state.tags.isEmpty || mayBeDue else { return .none }
            var result = ValueInvalidation.none
            for tag in tags {
                let known = state.tags[tag]
                if mayBeDue, (known?.generation ?? 0) < state.generation { return .hard }
                guard let known else { continue }
                switch InvalidationWord.invalidation(known.word, ofValueCreatedAt: creationTime) {
                case .hard: return .hard
                case .soft: result = .soft
                case .none: continue
                }
            }
            return result
        }
    }

    /// Takes the region's tag epoch read from the backend, the latest tag invalidation of any
    /// process: a record unlike the one last seen makes every tag due for a read again.
    func learnEpoch(_ entry: InvalidationRecords.Entry) {
        let microseconds = InvalidationWord.microseconds(entry.word)
        state.withLock { state in
            guard entry.writeID != state.epochWriteID else { return }
            state.epochWriteID = entry.writeID
            state.generation += 1
            state.epoch = max(state.epoch, microseconds)
            newest.max(state.epoch, ordering: .relaxed)
        }
    }

    /// The tags of a value carrying `tags`, created at `creationTime`, whose records must be read
    /// before it is judged: those not read since a tag invalidation after the value was created.
    func tagsToRead(of tags: [String], createdAt creationTime: Double) -> [String] {
        guard isOlderThanAnInvalidation(creationTime) else { return [] }
        return state.withLock { state in
            guard Double(state.epoch) > creationTime * 1_000_000 else { return [] }
            return tags.filter { (state.tags[$0]?.generation ?? 0) < state.generation }
        }
    }

    /// Whether a value created at `creationTime` is older than an invalidation known here; when it
    /// is not, no tag invalidates it. Relaxed: an invalidation that happened before this read, by
    /// any synchronization, is seen (coherence); one racing it may or may not be, as with the lock.
    @inline(__always)
    private func isOlderThanAnInvalidation(_ creationTime: Double) -> Bool {
        creationTime * 1_000_000 < Double(newest.load(ordering: .relaxed))
    }

    /// The generation held now, to pass to ``learn(_:words:readAt:)`` for records read after it.
    var generation: Int {
        state.withLock { $0.generation }
    }

    /// Takes the records of `tags` read from the backend at `generation`: each tag's word, in
    /// `words`, 0 for a tag without a record. A word older than one held here does not replace it.
    func learn(_ tags: [String], words: [Int64], readAt generation: Int) {
        state.withLock { state in
            if state.tags.count + tags.count > Self.maxKnownTags {
                // Every word here was written to the backend too, so forgetting is only rereading.
                state.tags.removeAll()
            }
            for (tag, word) in zip(tags, words) {
                let known = state.tags[tag] ?? Known()
                state.tags[tag] = Known(word: max(known.word, word), generation: max(known.generation, generation))
                newest.max(InvalidationWord.microseconds(word), ordering: .relaxed)
            }
        }
    }

    /// `tags` without repeats, in order, once each is checked.
    ///
    /// - Throws: `invalidTag` for an empty tag, one over 250 UTF-8 bytes, or more than 64 tags.
    static func validated(_ tags: [String]) throws -> [String] {
        guard !tags.isEmpty else { return [] }
        var seen: Set<String> = []
        let unique = tags.filter { seen.insert($0).inserted }
        guard unique.count <= maxTagsPerValue else {
            throw CacheError(.invalidTag, "a value carries at most \(maxTagsPerValue) tags, got \(unique.count)")
        }
        for tag in unique where tag.isEmpty || tag.utf8.count > maxTagBytes {
            throw CacheError(.invalidTag, "a tag must have 1 to \(maxTagBytes) UTF-8 bytes, got \(tag.utf8.count): '\(tag.prefix(40))'")
        }
        return unique
    }
}
