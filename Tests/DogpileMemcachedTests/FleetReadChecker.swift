/// Judges what the readers of a fleet test read against the invalidations made meanwhile: a read
/// that began more than `checkInterval` (plus `tolerance`) after an invalidation of its key finished
/// must not return a value created before that invalidation began.
struct FleetReadChecker {
    /// An invalidation of the region (`tag` nil) or of one tag, as the test timed it: `start`
    /// before the command was sent, `done` once it was answered (system clock, seconds since 1970).
    struct Invalidation {
        var tag: String?
        var start: Double
        var done: Double
    }

    /// A read of key `zipf-<index>` (tags `tag-<index % 8>` and `key-<index>`) that began at `start` and returned a
    /// value created at `createdAt` (its creator's clock reading, never earlier than the creation
    /// time the region stored).
    struct Read {
        var start: Double
        var index: Int
        var createdAt: Double

        /// Parses a line `START INDEX VALUE` of the fleet node's `zipf` command; `nil` for a read
        /// that failed.
        init?(line: Substring) {
            let fields = line.split(separator: " ")
            guard fields.count == 3, let start = Double(fields[0]), let index = Int(fields[1]),
                let createdAt = Double(fields[2])
            else { return nil }
            self.init(start: start, index: index, createdAt: createdAt)
        }

        init(start: Double, index: Int, createdAt: Double) {
            self.start = start
            self.index = index
            self.createdAt = createdAt
        }

        /// Whether the value read carries `tag`.
        func carries(_ tag: String) -> Bool {
            tag == "tag-\(index % 8)" || tag == "key-\(index)"
        }
    }

    /// What the reads were, against the invalidations.
    struct Verdict {
        /// Reads of a value invalidated more than the check interval before the read began.
        var violations: [Read] = []
        /// Reads of a value whose invalidation had finished before the read began, less than the
        /// check interval before: what the local tier may serve.
        var servedWithinInterval = 0
        /// Reads after at least one invalidation of their key had finished.
        var readsAfterAnInvalidation = 0
    }

    var invalidations: [Invalidation]
    var checkInterval: Double
    /// How late a local tier may learn past the interval: the coarse clock it judges by lags the
    /// precise one by up to a kernel tick (1-4 ms).
    var tolerance = 0.01

    func judge(_ reads: [Read]) -> Verdict {
        var verdict = Verdict()
        for read in reads {
            // The latest start of an invalidation of this key finished before the read began, and
            // of one finished more than the interval before.
            var latestFinished = -Double.infinity
            var latestLearnt = -Double.infinity
            for invalidation in invalidations where invalidation.tag.map(read.carries) ?? true {
                if invalidation.done < read.start {
                    latestFinished = max(latestFinished, invalidation.start)
                }
                if invalidation.done + checkInterval + tolerance < read.start {
                    latestLearnt = max(latestLearnt, invalidation.start)
                }
            }
            if latestFinished > -Double.infinity {
                verdict.readsAfterAnInvalidation += 1
            }
            if read.createdAt < latestLearnt {
                verdict.violations.append(read)
            } else if read.createdAt < latestFinished {
                verdict.servedWithinInterval += 1
            }
        }
        return verdict
    }
}
