#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The keys that cached functions of one argument built most recently on the current thread, by
/// function and by the argument's ``identity(of:)``: a hit with a recent
/// argument reuses its key instead of formatting and allocating it again.
///
/// Each thread has a table of its own, so a lookup takes no lock and concurrent callers never
/// contend. A table is only ever touched by its thread, between two suspension points, and is freed
/// when the thread exits. It has a fixed number of slots, each holding the last key built for the
/// (function, identity) pairs that map to it, so its memory is bounded whatever the arguments.
/// A key depends only on its function and its argument's identity, and function numbers are never
/// reused, so an entry can be stale in no way that matters: it is either the right key or not found.
@usableFromInline
enum RecentFunctionKeys {
    /// A number for a new cached function, never given to another one.
    @usableFromInline
    static func newFunctionNumber() -> UInt64 {
        nextFunctionNumber.add(1, ordering: .relaxed).newValue
    }

    /// A number that stands for `argument` among all values of its type, when its type is one of
    /// the library's own integer types or `Bool`, whose key text follows from that number; `nil` for
    /// every other type. Only these are trusted: a user's conformance whose number did not determine
    /// its key text would make one argument's cached value come back for another.
    ///
    /// The type is told by comparing metatypes, not by casts: the call sits in a pack expansion,
    /// which the compiler leaves unspecialized, and there each `as?` is a runtime cast (a function
    /// hit spent a tenth of its time in them), where a metatype comparison is a pointer comparison.
    @inlinable
    static func identity<Argument>(of argument: Argument) -> Int64? {
        // Safety: each `unsafeBitCast` is to the type that `Argument` was just found to be.
        if Argument.self == Int.self { return Int64(unsafeBitCast(argument, to: Int.self)) }
        if Argument.self == Int64.self { return unsafeBitCast(argument, to: Int64.self) }
        if Argument.self == Int32.self { return Int64(unsafeBitCast(argument, to: Int32.self)) }
        if Argument.self == Int16.self { return Int64(unsafeBitCast(argument, to: Int16.self)) }
        if Argument.self == Int8.self { return Int64(unsafeBitCast(argument, to: Int8.self)) }
        if Argument.self == UInt.self { return Int64(exactly: unsafeBitCast(argument, to: UInt.self)) }
        if Argument.self == UInt64.self { return Int64(exactly: unsafeBitCast(argument, to: UInt64.self)) }
        if Argument.self == UInt32.self { return Int64(unsafeBitCast(argument, to: UInt32.self)) }
        if Argument.self == UInt16.self { return Int64(unsafeBitCast(argument, to: UInt16.self)) }
        if Argument.self == UInt8.self { return Int64(unsafeBitCast(argument, to: UInt8.self)) }
        if Argument.self == Bool.self { return unsafeBitCast(argument, to: Bool.self) ? 1 : 0 }
        return nil
    }

    /// The key remembered on this thread for `function` called with an argument of `identity`, or `nil`.
    @usableFromInline
    static func key(function: UInt64, identity: Int64) -> String? {
        guard let table = pthread_getspecific(threadTable) else { return nil }
        return Unmanaged<Table>.fromOpaque(table)._withUnsafeGuaranteedRef { table in
            table.key(function: function, identity: identity)
        }
    }

    /// Remembers on this thread `key` for `function` called with an argument of `identity`, in place of
    /// whatever its slot held.
    @usableFromInline
    static func remember(_ key: String, function: UInt64, identity: Int64) {
        let table: UnsafeMutableRawPointer
        if let existing = pthread_getspecific(threadTable) {
            table = existing
        } else {
            table = Unmanaged.passRetained(Table()).toOpaque()
            guard pthread_setspecific(threadTable, table) == 0 else {
                // Out of memory for thread-specific data: the key is simply not remembered.
                Unmanaged<Table>.fromOpaque(table).release()
                return
            }
        }
        Unmanaged<Table>.fromOpaque(table)._withUnsafeGuaranteedRef { table in
            table.remember(key, function: function, identity: identity)
        }
    }

    private static let nextFunctionNumber = Atomic<UInt64>(0)

    /// The thread-specific slot holding each thread's table; its destructor frees the table when the
    /// thread exits.
    private static let threadTable: pthread_key_t = {
        var key = pthread_key_t()
        let result = pthread_key_create(&key) { table in
            #if canImport(Darwin)
            Unmanaged<Table>.fromOpaque(table).release()
            #else
            if let table { Unmanaged<Table>.fromOpaque(table).release() }
            #endif
        }
        precondition(result == 0, "pthread_key_create failed with error \(result)")
        return key
    }()

    /// One thread's slots. Not Sendable: only its own thread reaches it.
    private final class Table {
        private struct Slot {
            var function: UInt64 = 0
            var identity: Int64 = 0
            /// `nil` while the slot is empty.
            var key: String?
        }

        private static let slotCount = 256
        private let slots = UnsafeMutablePointer<Slot>.allocate(capacity: Table.slotCount)

        init() {
            slots.initialize(repeating: Slot(), count: Table.slotCount)
        }

        deinit {
            slots.deinitialize(count: Table.slotCount)
            slots.deallocate()
        }

        func key(function: UInt64, identity: Int64) -> String? {
            let slot = slots[Self.slot(function: function, identity: identity)]
            guard slot.function == function, slot.identity == identity else { return nil }
            return slot.key
        }

        func remember(_ key: String, function: UInt64, identity: Int64) {
            slots[Self.slot(function: function, identity: identity)] = Slot(function: function, identity: identity, key: key)
        }

        private static func slot(function: UInt64, identity: Int64) -> Int {
            // Fibonacci hashing of each: neighbouring identities, and neighbouring functions, land in
            // different slots.
            let mixed = (UInt64(bitPattern: identity) &* 0x9E37_79B9_7F4A_7C15) ^ (function &* 0xC2B2_AE3D_27D4_EB4F)
            return Int(truncatingIfNeeded: mixed >> 56)
        }
    }
}
