/// How long a value stays fresh after it was created.
///
/// A value older than its expiration is *stale*: ``CacheRegion/get(_:as:expirationTime:ignoreExpiration:)``
/// treats it as absent, and ``CacheRegion/getOrCreate(_:as:expirationTime:policy:shouldCache:tags:logger:creator:)-(_,_,_,_,_,_,_,()->Value)`` serves it
/// to every caller but the one regenerating it. Stale values are never deleted by the region.
public struct CacheExpiration: Sendable, Hashable, CustomStringConvertible {
    /// Seconds of freshness, or `nil` for never.
    @usableFromInline
    let seconds: Double?

    @usableFromInline
    init(seconds: Double?) {
        self.seconds = seconds
    }

    /// Values never expire; they stay fresh until invalidated or deleted.
    public static let never = CacheExpiration(seconds: nil)

    /// Values expire this many seconds after creation (fractions allowed).
    public static func seconds(_ seconds: Double) -> CacheExpiration {
        CacheExpiration(seconds: seconds)
    }

    /// Values expire this many minutes after creation.
    public static func minutes(_ minutes: Double) -> CacheExpiration {
        CacheExpiration(seconds: minutes * 60)
    }

    /// Values expire this many hours after creation.
    public static func hours(_ hours: Double) -> CacheExpiration {
        CacheExpiration(seconds: hours * 3600)
    }

    /// Values expire after `duration`.
    public init(_ duration: Duration) {
        self.init(seconds: duration.seconds)
    }

    /// Values expire after `duration`.
    public static func duration(_ duration: Duration) -> CacheExpiration {
        CacheExpiration(duration)
    }

    /// The freshness in seconds, or `nil` when values never expire.
    public var timeInterval: Double? { seconds }

    /// `never`, or the number of seconds.
    public var description: String {
        seconds.map { "\($0)s" } ?? "never"
    }

    /// Throws `invalidConfiguration` for negative or non-finite durations.
    func validated() throws -> CacheExpiration {
        if let seconds, !(seconds.isFinite && seconds >= 0) {
            throw CacheError(.invalidConfiguration, "expiration time must be a finite, non-negative number of seconds, got \(seconds)")
        }
        return self
    }
}
