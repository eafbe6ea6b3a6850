#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The configuration in force in a region: read by every operation, on the hit path without reference
/// counting, and replaced by `configure`, after which the replaced configuration (and its backend)
/// is released as soon as no reader uses it.
///
/// Why not a strong reference behind a lock: the hit path would then pay a lock and a retain on one
/// object that every thread touches, which is what ``withCurrent(_:)`` avoids.
///
/// Safety: the slot owns one retain of the current configuration. A reader counts itself in one of
/// ``stripeCount`` reader counts (chosen by its thread, each on its own cache line) *before* loading
/// the configuration, and out after its last use. A replacement swaps the pointer, then releases the
/// old configuration only once it has seen each count at zero at some moment after the swap. The increment, the
/// load, the swap and the checks are sequentially consistent, so for any reader that loaded the old
/// pointer, its increment precedes the swap, which precedes the check of its count; each reader adds
/// at most one to its count and takes it away after it has added it, so a count seen at zero has no
/// reader inside that counted itself before the check. A reader that counted itself after the swap
/// loads the new pointer. Hence no reader ever uses a released configuration. Readers only run
/// synchronous code inside (never an `await`), so counts drop to zero within the time of a hit.
final class ConfigurationSlot: @unchecked Sendable {
    // @unchecked: `readers` is set once in init and its memory is reached only through atomics.
    private let current = Atomic<Unmanaged<RegionConfiguration>?>(nil)
    /// `stripeCount` reader counts, `stripeSpacing` atomics apart so that each has a cache line.
    private let readers: UnsafeMutablePointer<Atomic<Int>>

    private static let stripeCount = 32
    /// 128 bytes of `Int`s: a cache line and its prefetched neighbour.
    private static let stripeSpacing = 16

    init() {
        let total = Self.stripeCount * Self.stripeSpacing
        readers = .allocate(capacity: total)
        for index in 0..<total {
            (readers + index).initialize(to: Atomic(0))
        }
    }

    deinit {
        current.load(ordering: .relaxed)?.release()
        readers.deinitialize(count: Self.stripeCount * Self.stripeSpacing)
        readers.deallocate()
    }

    /// Runs `body` with the current configuration, borrowed without a retain, or returns `nil` before
    /// the first one is installed. `body` must not suspend or keep the reference; take a strong one
    /// with ``load()`` for that.
    @inline(__always)
    func withCurrent<Result>(_ body: (RegionConfiguration) throws -> Result) rethrows -> Result? {
        let count = readers + Self.stripe(ofThread: pthread_self()) * Self.stripeSpacing
        count.pointee.wrappingAdd(1, ordering: .sequentiallyConsistent)
        defer { count.pointee.wrappingSubtract(1, ordering: .releasing) }
        guard let configuration = current.load(ordering: .sequentiallyConsistent) else { return nil }
        return try configuration._withUnsafeGuaranteedRef(body)
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

    /// Removes from `stripes` those whose reader count is zero now.
    private func removeIdleStripes(from stripes: inout [Int]) {
        stripes.removeAll { stripe in
            (readers + stripe * Self.stripeSpacing).pointee.load(ordering: .sequentiallyConsistent) == 0
        }
    }

    /// The stripe of a thread: Fibonacci hashing of its handle, so that neighbouring handles spread.
    @inline(__always)
    private static func stripe(ofThread thread: pthread_t) -> Int {
        let bits = UInt64(UInt(bitPattern: Int(bitPattern: thread)))
        return Int(truncatingIfNeeded: (bits &* 0x9E37_79B9_7F4A_7C15) >> 59)  // 5 bits: 32 stripes
    }
}
