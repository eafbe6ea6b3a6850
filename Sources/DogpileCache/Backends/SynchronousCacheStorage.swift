/// A backend whose values can be read and written without suspending: an in-process store.
///
/// A region reads such a backend on its hit path, and stores created values in it, with these
/// methods instead of the async ones: an async call costs more than a read of an in-memory table.
/// ``MemoryBackend`` and ``BytesMemoryBackend`` adopt it. A proxy in front of one keeps the
/// synchronous path open when it declares, with ``ProxyBackend/passThrough``, that it leaves reads or
/// writes alone.
///
/// The synchronous methods must do what the backend's async ones do: the region uses either.
/// A byte-storing backend is handed and returns value records here too, as through
/// ``AsyncCacheBackend/set(_:_:)`` and ``AsyncCacheBackend/get(_:)``.
public protocol SynchronousCacheStorage: AsyncCacheBackend, AnyObject {
    /// The value stored under `key`, or `nil` when there is none; never suspends.
    func storedValue(for key: String) -> CachedValue?
    /// The values stored under `keys`, in the same order, `nil` where there is none; never suspends.
    func storedValues(for keys: [String]) -> [CachedValue?]
    /// Stores `value` under `key`, replacing what was there; never suspends.
    func storeValue(_ value: CachedValue, for key: String) throws
    /// Stores every entry, later entries winning for repeated keys; never suspends.
    func storeValues(_ entries: [(key: String, value: CachedValue)]) throws
}

extension SynchronousCacheStorage {
    /// Stores the entry with ``storeValues(_:)``.
    public func storeValue(_ value: CachedValue, for key: String) throws {
        try storeValues([(key, value)])
    }

    /// Reads each key with ``storedValue(for:)``.
    public func storedValues(for keys: [String]) -> [CachedValue?] {
        keys.map { storedValue(for: $0) }
    }
}

/// The synchronous storage that `operations` on `backend` may use instead of its async calls: its
/// innermost backend, when that is ``SynchronousCacheStorage`` and every proxy on the way passes
/// `operations` through.
func synchronousStorage(
    beneath backend: any AsyncCacheBackend,
    for operations: ProxyPassThrough
) -> (any SynchronousCacheStorage)? {
    var current = backend
    while let proxy = current as? any ProxyBackend {
        guard proxy.passThrough.isSuperset(of: operations) else { return nil }
        current = proxy.proxied
    }
    return current as? any SynchronousCacheStorage
}

/// Reads a ``SynchronousCacheStorage`` on a region's hit path without reference counting.
///
/// Loading an existential from a stored property retains it, and that retain and its release on
/// every hit cost more than the rest of a configuration borrow. So the storage is opened once, when a
/// region is configured, into an object of a subclass that holds it at its own type, whose call
/// costs no retain; the hit path reaches the object through an unretained reference.
///
/// Safety: a ``RegionConfiguration`` keeps the object alive for its whole life, and the hit path
/// uses its unretained reference only while it borrows the configuration from a
/// ``ConfigurationSlot``, which does not release a configuration that is borrowed.
class SynchronousReader: @unchecked Sendable {
    // @unchecked: the base class has no state; the subclasses hold immutable references to a
    // Sendable storage.
    /// The value stored under `key`, or `nil`.
    func storedValue(for key: String) -> CachedValue? {
        fatalError("SynchronousReader is abstract")
    }

    /// A reader of `storage`: a ``MemoryBackendReader`` for the library's own storages, else a
    /// ``TypedSynchronousReader``.
    static func reading(_ storage: some SynchronousCacheStorage) -> SynchronousReader {
        if let memory = (storage as? any ReadsAsMemoryBackend)?.memoryBackend {
            return MemoryBackendReader(memory)
        }
        return TypedSynchronousReader(storage)
    }
}

/// A storage whose reads are those of a ``MemoryBackend``: the library's own in-process stores,
/// read on the hit path by a ``MemoryBackendReader``.
protocol ReadsAsMemoryBackend: SynchronousCacheStorage {
    /// The memory backend that answers ``SynchronousCacheStorage/storedValue(for:)``.
    var memoryBackend: MemoryBackend { get }
}

/// The ``SynchronousReader`` of the library's own stores. A class that is not generic, because a
/// generic class's method is reached through its unspecialized entry, which tests its type
/// arguments on every call (a tenth of a memory hit).
private final class MemoryBackendReader: SynchronousReader, @unchecked Sendable {
    // @unchecked: as for the base class.
    private let storage: MemoryBackend

    init(_ storage: MemoryBackend) {
        self.storage = storage
    }

    override func storedValue(for key: String) -> CachedValue? {
        storage.storedValue(for: key)
    }
}

/// The ``SynchronousReader`` of any other storage, of type `Storage`.
private final class TypedSynchronousReader<Storage: SynchronousCacheStorage>: SynchronousReader, @unchecked Sendable {
    // @unchecked: as for the base class.
    private let storage: Storage

    init(_ storage: Storage) {
        self.storage = storage
    }

    override func storedValue(for key: String) -> CachedValue? {
        storage.storedValue(for: key)
    }
}
