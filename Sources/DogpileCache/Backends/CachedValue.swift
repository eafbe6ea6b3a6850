/// A value as a backend holds it: the user's payload plus the metadata the region needs to judge it.
///
/// In-process backends such as ``MemoryBackend`` keep `CachedValue`s as they are, without copying or
/// encoding the payload.
public struct CachedValue: Sendable {
    /// The format version this release writes. Values carrying another version are misses.
    public static let currentVersion = 1

    /// The cached value itself.
    public var payload: any Sendable
    /// When the value was created, in wall-clock seconds since 1970 (see ``CacheClock``).
    public var creationTime: Double
    /// The format version the value was written with.
    public var version: Int

    /// Wraps a payload created at `creationTime`, in the current format version.
    public init(payload: any Sendable, creationTime: Double, version: Int = CachedValue.currentVersion) {
        self.payload = payload
        self.creationTime = creationTime
        self.version = version
    }

    /// How old the value is at `now`, in seconds.
    public func age(at now: Double) -> Double {
        now - creationTime
    }
}

/// A cached value read with its metadata, as returned by ``CacheRegion/valueMetadata(_:as:expirationTime:ignoreExpiration:)``.
public struct CacheValueMetadata<Value: Sendable>: Sendable {
    /// The cached value.
    public var payload: Value
    /// When the value was created, in wall-clock seconds since 1970.
    public var creationTime: Double
    /// How old the value was when it was read, in seconds.
    public var age: Double

    /// Creates metadata for a value read at some moment.
    public init(payload: Value, creationTime: Double, age: Double) {
        self.payload = payload
        self.creationTime = creationTime
        self.age = age
    }
}
