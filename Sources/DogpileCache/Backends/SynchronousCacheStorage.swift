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
    /// Stores every entry, later entries winning for repeated keys; never suspends.
    func storeValues(_ entries: [(key: String, value: CachedValue)]) throws
}

extension SynchronousCacheStorage {
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
