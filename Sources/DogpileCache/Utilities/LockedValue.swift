#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a `pthread_mutex_t`.
///
/// DogpileCache uses this rather than `Synchronization.Mutex` because ThreadSanitizer on Linux does
/// not see `Mutex`'s synchronization and reports races that are not there, and the whole suite must
/// run clean under `swift test --sanitize=thread`.
///
/// Never call user code, resume a continuation or log inside ``withLock(_:)``.
package final class LockedValue<Value> {
    @usableFromInline
    let mutex: UnsafeMutablePointer<pthread_mutex_t>
    /// Behind a pointer rather than in a stored `var`, so access needs no dynamic exclusivity check:
    /// the mutex already makes it exclusive.
    @usableFromInline
    let value: UnsafeMutablePointer<Value>

    /// Creates a lock guarding `value`.
    package init(_ value: Value) {
        self.value = .allocate(capacity: 1)
        self.value.initialize(to: value)
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
        value.deinitialize(count: 1)
        value.deallocate()
    }

    /// Runs `body` with exclusive access to the value.
    @inlinable
    package func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }
}

// @unchecked: `value` is only reached through `withLock`, which holds the mutex, and a Sendable
// value may be handed between threads that way; both pointers are set once in init.
extension LockedValue: @unchecked Sendable where Value: Sendable {}
