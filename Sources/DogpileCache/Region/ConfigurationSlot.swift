#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CoreMetrics
import Synchronization

/// The configuration in force in a region: read by every operation, on the hit path without reference
/// counting, and replaced by `configure`, after which the replaced configuration (and its backend)
/// is released as soon as no reader uses it. The slot also keeps the region's hit count, in the
/// same per-thread stripes as its readers: a hit in synchronous storage ends its borrow and counts
/// itself in one atomic add, and hits on different threads do not share a cache line.
///
/// Why not a strong reference behind a lock: the hit path would then pay a lock and a retain on one
/// object that every thread touches, which is what ``withCurrent(_:)`` avoids.
///
/// Safety: the slot owns one retain of the current configuration. A reader counts itself in one of
/// ``stripeCount`` stripes (chosen by its thread, each on its own cache line) *before* loading the
/// configuration, and out after its last use. A replacement swaps the pointer, then releases the
/// old configuration only once it has seen each stripe's reader count at zero at some moment after
/// the swap. The increment, the load, the swap and the checks are sequentially consistent, so for
/// any reader that loaded the old pointer, its increment precedes the swap, which precedes the check
/// of its count; each reader adds at most one to its count and takes it away after it has added it,
/// so a count seen at zero has no reader inside that counted itself before the check. A reader that
/// counted itself after the swap loads the new pointer. Hence no reader ever uses a released
/// configuration. Readers only run synchronous code inside (never an `await`), so counts drop to
/// zero within the time of a hit.
///
/// A stripe is one word: its reader count in the low ``readerBits`` bits, its hit count above. The
/// two never mix: a reader's exit takes away its one while that one is still counted, so the low
/// field never borrows from the hits, and entering traps before the low field could carry into them
/// (which would take 65,535 threads of one stripe inside at once).
///
/// The hits reach the region's `cache.requests` metric in batches (``reportHits()``): when a
/// stripe's count reaches a multiple of ``hitBatch``, and when the region asks (on each creation
/// and each read of its statistics). A metric handler called on every hit would cost more than the
/// rest of the hit, and a shared counter written by every thread would undo the stripes: measured,
/// 17% of a hit with swift-metrics' no-op handler, 24% with swift-prometheus, on one task.
final class ConfigurationSlot: @unchecked Sendable {
    // @unchecked: `stripes` is set once in init and its memory is reached only through atomics.
    private let current = Atomic<Unmanaged<RegionConfiguration>?>(nil)
    /// `stripeCount` words, `stripeSpacing` atomics apart so that each has a cache line.
    private let stripes: UnsafeMutablePointer<Atomic<UInt>>
    /// The metric the hits are reported to, and how many of them it has been given.
    private let hitMetric: Counter
    private let reportedHits = Atomic<Int>(0)

    /// How many hits of one stripe make a batch for the metric: a power of two.
    static let hitBatch: UInt = 64

    private static let stripeCount = 32
    /// 128 bytes of words: a cache line and its prefetched neighbour.
    private static let stripeSpacing = 16
    /// The low bits of a stripe, which count its readers; the bits above count hits (2^48 per
    /// stripe before they wrap).
    private static let readerBits = 16
    private static let readerMask: UInt = (1 << readerBits) - 1

    /// A slot without a configuration, reporting its hits to `hitMetric`.
    init(hitMetric: Counter) {
        self.hitMetric = hitMetric
        let total = Self.stripeCount * Self.stripeSpacing
        stripes = .allocate(capacity: total)
        for index in 0..<total {
            (stripes + index).initialize(to: Atomic(0))
        }
    }

    deinit {
        current.load(ordering: .relaxed)?.release()
        stripes.deinitialize(count: Self.stripeCount * Self.stripeSpacing)
        stripes.deallocate()
    }

    /// Runs `body` with the current configuration, borrowed without a retain, or returns `nil` before
    /// the first one is installed. `body` must not suspend or keep the reference; take a strong one
    /// with ``load()`` for that.
    @inline(__always)
    func withCurrent<Result>(_ body: (RegionConfiguration) throws -> Result) rethrows -> Result? {
        try borrowing(body, isHit: { _ in false })
    }

    /// ``withCurrent(_:)`` for a read that finds a value or `nil`: a value found counts as a hit,
    /// in the same atomic add that ends the borrow. A caller that cannot use the value after all
    /// takes the hit back with ``countHits(_:)``.
    @inline(__always)
    func withCurrentCountingHit<Found>(_ body: (RegionConfiguration) throws -> Found?) rethrows -> Found?? {
        try borrowing(body, isHit: { $0 != nil })
    }

    /// Adds `count` (negative to take hits back) to the hits.
    func countHits(_ count: Int = 1) {
        let added = UInt(bitPattern: count) << Self.readerBits
        let stripe = stripe(ofThread: pthread_self()).pointee.wrappingAdd(added, ordering: .relaxed).newValue
        if count > 0 {
            reportHitsAtBatchEnd(stripe)
        }
    }

    /// Gives the metric the hits counted since it was last given them. Hits taken back are not
    /// taken from the metric, a counter that only grows: until as many new hits are counted, none
    /// is reported.
    func reportHits() {
        let total = hits
        var reported = reportedHits.load(ordering: .relaxed)
        while total > reported {
            let (exchanged, original) = reportedHits.weakCompareExchange(
                expected: reported, desired: total, ordering: .relaxed
            )
            if exchanged {
                hitMetric.increment(by: total - reported)
                return
            }
            reported = original
        }
    }

    /// Reports the hits when `stripe`, a stripe's word just after a hit was added, ends a batch.
    @inline(__always)
    private func reportHitsAtBatchEnd(_ stripe: UInt) {
        if (stripe >> Self.readerBits) & (Self.hitBatch - 1) == 0 {
            reportHits()
        }
    }

    /// The hits counted so far.
    var hits: Int {
        var total: UInt = 0
        for index in 0..<Self.stripeCount {
            total &+= (stripes + index * Self.stripeSpacing).pointee.load(ordering: .relaxed) >> Self.readerBits
        }
        return Int(truncatingIfNeeded: total << Self.readerBits) >> Self.readerBits
    }

    /// Borrows the current configuration for `body` (see the type's safety argument) and, when
    /// `isHit` says so of its result, counts a hit as the borrow ends.
    @inline(__always)
    private func borrowing<Result>(
        _ body: (RegionConfiguration) throws -> Result,
        isHit: (Result) -> Bool
    ) rethrows -> Result? {
        let stripe = stripe(ofThread: pthread_self())
        let before = stripe.pointee.wrappingAdd(1, ordering: .sequentiallyConsistent).oldValue
        precondition(before & Self.readerMask != Self.readerMask, "too many threads reading one region at once")
        var exited = false
        defer {
            if !exited {
                stripe.pointee.wrappingAdd(UInt.max, ordering: .releasing)  // minus one reader
            }
        }
        guard let configuration = current.load(ordering: .sequentiallyConsistent) else { return nil }
        let result = try configuration._withUnsafeGuaranteedRef(body)
        if isHit(result) {
            // Plus one hit, minus one reader.
            let after = stripe.pointee.wrappingAdd((1 << Self.readerBits) &- 1, ordering: .releasing).newValue
            exited = true
            reportHitsAtBatchEnd(after)
        }
        return result
    }

    /// The current configuration, retained, or `nil` before the first one is installed.
    func load() -> RegionConfiguration? {
        withCurrent { $0 } ?? nil
    }

    /// Makes `configuration` the current one. The one it replaces is released once every reader that
    /// may have borrowed it is gone: at once when none is inside, else from a task that waits for
    /// them; operations that hold it strongly keep it alive until they end.
    func replace(with configuration: RegionConfiguration) {
        let new = Unmanaged.passRetained(configuration)
        guard let old = current.exchange(new, ordering: .sequentiallyConsistent) else { return }
        var busy = Array(0..<Self.stripeCount)
        removeIdleStripes(from: &busy)
        guard !busy.isEmpty else {
            old.release()
            return
        }
        Task { [self, busy] in
            var busy = busy
            while !busy.isEmpty {
                try? await Task.sleep(for: .microseconds(100))
                removeIdleStripes(from: &busy)
            }
            old.release()
        }
    }

    /// Removes from `busy` the stripes whose reader count is zero now.
    private func removeIdleStripes(from busy: inout [Int]) {
        busy.removeAll { index in
            (stripes + index * Self.stripeSpacing).pointee.load(ordering: .sequentiallyConsistent) & Self.readerMask == 0
        }
    }

    /// The stripe of a thread: Fibonacci hashing of its handle, so that neighbouring handles spread.
    @inline(__always)
    private func stripe(ofThread thread: pthread_t) -> UnsafeMutablePointer<Atomic<UInt>> {
        let bits = UInt64(UInt(bitPattern: Int(bitPattern: thread)))
        let index = Int(truncatingIfNeeded: (bits &* 0x9E37_79B9_7F4A_7C15) >> 59)  // 5 bits: 32 stripes
        return stripes + index * Self.stripeSpacing
    }
}
