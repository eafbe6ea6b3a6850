#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a `pthread_mutex_t`, both in one allocation (as swift-nio's `NIOLockedValueBox`
/// keeps them).
///
/// DogpileCache uses this rather than `Synchronization.Mutex` because ThreadSanitizer on Linux does
/// not see `Mutex`'s synchronization and reports races that are not there, and the whole suite must
/// run clean under `swift test --sanitize=thread`.
///
/// Never call user code, resume a continuation or log inside ``withLock(_:)``.
package struct LockedValue<Value> {
    @usableFromInline
    let storage: Storage

    /// Creates a lock guarding `value`.
    package init(_ value: Value) {
        storage = Storage.make(value)
    }

    /// Runs `body` with exclusive access to the value.
    @inlinable
    package func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        try storage.withLock(body)
    }

    /// The value as the buffer's header and the mutex as its one element; the buffer's memory never
    /// moves, so the mutex may be used in place.
    @usableFromInline
    final class Storage: ManagedBuffer<Value, pthread_mutex_t> {
        static func make(_ value: Value) -> Storage {
            let buffer = Storage.create(minimumCapacity: 1) { _ in value }
            buffer.withUnsafeMutablePointerToElements { mutex in
                mutex.initialize(to: pthread_mutex_t())
                pthread_mutex_init(mutex, nil)
            }
            // `create` makes an instance of the class it is called on.
            return unsafeDowncast(buffer, to: Storage.self)
        }

        /// Runs `body` with exclusive access to the value.
        @inlinable
        final func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
            try withUnsafeMutablePointers { value, mutex in
                pthread_mutex_lock(mutex)
                defer { pthread_mutex_unlock(mutex) }
                return try body(&value.pointee)
            }
        }

        deinit {
            withUnsafeMutablePointerToElements { mutex in
                pthread_mutex_destroy(mutex)
                mutex.deinitialize(count: 1)
            }
        }
    }
}

// @unchecked: the value is only reached through `withLock`, which holds the mutex, and a Sendable
// value may be handed between threads that way.
extension LockedValue: @unchecked Sendable where Value: Sendable {}
