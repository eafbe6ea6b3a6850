import Synchronization

/// The latest invalidation of each tag of a region (``CacheRegion/invalidate(tag:hard:)``), in this
/// process: a value carrying a tag is invalidated when it was created before the tag's latest
/// invalidation, hard or soft as that invalidation was. As for the region's own invalidation, only a
/// tag's latest invalidation counts, and times are kept rounded up to the microsecond.
///
/// Read on every read of a value that carries tags, one lookup per tag under one lock; values
/// without tags never read it.
final class TagInvalidations: Sendable {
    /// By tag: `microseconds << 1 | hardBit`, as ``DefaultInvalidationStrategy`` keeps its one time.
    private let times = Mutex<[String: Int64]>([:])

    /// The most tags a value may carry.
    static let maxTagsPerValue = 64
    /// The longest tag, in UTF-8 bytes.
    static let maxTagBytes = 250

    /// Records an invalidation of every tag in `tags` at `time` (region clock, seconds since 1970).
    func invalidate(_ tags: [String], hard: Bool, at time: Double) {
        let word = Int64((time * 1_000_000).rounded(.up)) << 1 | (hard ? 1 : 0)
        times.withLock { times in
            for tag in tags {
                times[tag] = word
            }
        }
    }

    /// How the tags' invalidations affect a value carrying `tags`, created at `creationTime`: the
    /// hardest of them.
    func invalidation(of tags: [String], createdAt creationTime: Double) -> ValueInvalidation {
        let createdAt = creationTime * 1_000_000
        return times.withLock { times in
            guard !times.isEmpty else { return .none }
            var result = ValueInvalidation.none
            for tag in tags {
                guard let word = times[tag], createdAt < Double(word >> 1) else { continue }
                if word & 1 == 1 {
                    return .hard
                }
                result = .soft
            }
            return result
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
