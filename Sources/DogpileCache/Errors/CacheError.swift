/// The one error type of DogpileCache: a ``Code`` saying what went wrong, a message for people,
/// and the underlying error when there is one.
///
/// Two errors are equal when their codes are equal, so tests and callers can match on the code:
/// `catch let error as CacheError where error.code == .regionNotConfigured`.
public struct CacheError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added in later releases.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case regionNotConfigured
            case regionAlreadyConfigured
            case backendNotFound
            case invalidKey
            case invalidConfiguration
            case valueTooLarge
            case serializationFailed
            case backendUnavailable
            case creatorResultCountMismatch
            case recursiveCreation
            case typeMismatch
            case valueNotCreated
            case keyCollision
            case creationTimedOut
            case invalidTag
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// An operation needed a backend, but ``CacheRegion/configure(backend:expirationTime:wrap:replaceExistingBackend:invalidationStrategy:backgroundRefresh:backendErrors:serializer:policy:localCache:localExpirationTime:invalidationCheckInterval:)`` was never called.
        public static let regionNotConfigured = Code(.regionNotConfigured)
        /// `configure` was called on a configured region without `replaceExistingBackend: true`.
        public static let regionAlreadyConfigured = Code(.regionAlreadyConfigured)
        /// No backend is registered under the requested name.
        public static let backendNotFound = Code(.backendNotFound)
        /// The key cannot be stored by the backend (too long, forbidden characters, empty).
        public static let invalidKey = Code(.invalidKey)
        /// A configuration value is out of range or of the wrong kind (a negative expiration time,
        /// a memory bound below 1, …).
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// The value is larger than the backend can store.
        public static let valueTooLarge = Code(.valueTooLarge)
        /// The value could not be encoded or decoded.
        public static let serializationFailed = Code(.serializationFailed)
        /// The backend could not be reached or did not answer in time.
        public static let backendUnavailable = Code(.backendUnavailable)
        /// A multi-key creator returned a different number of values than keys it was given.
        public static let creatorResultCountMismatch = Code(.creatorResultCountMismatch)
        /// A creator asked for the key it is creating, which would wait on itself forever.
        public static let recursiveCreation = Code(.recursiveCreation)
        /// A value in flight or in the cache is not of the type the caller asked for.
        public static let typeMismatch = Code(.typeMismatch)
        /// A multi-key creator returned no value for a key (a dictionary-returning cached function
        /// left the argument out); callers of other wrappers waiting on that key get this error.
        public static let valueNotCreated = Code(.valueNotCreated)
        /// Two cached functions of one region, made at different places in the code, would build the
        /// same keys; give one of them a `name:` or a `namespace:`.
        public static let keyCollision = Code(.keyCollision)
        /// A caller waited ``CreationPolicy/hardTimeout`` for a creation and had no value to fall
        /// back on; the creation goes on, and its value is stored when it finishes.
        public static let creationTimedOut = Code(.creationTimedOut)
        /// A tag that cannot be stored with a value: empty, longer than 250 UTF-8 bytes, or one of
        /// more than 64 tags on a value.
        public static let invalidTag = Code(.invalidTag)

        /// The code's name, such as `regionNotConfigured`.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// A sentence for people saying what happened and, where possible, what to do.
    public let message: String
    /// The error that caused this one, if any.
    public let cause: (any Error)?

    /// Creates an error with a code, a message and an optional cause.
    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// `code: message`, followed by the cause when there is one.
    public var description: String {
        if let cause {
            return "\(code): \(message) (cause: \(cause))"
        }
        return "\(code): \(message)"
    }

    /// Errors are equal when their codes are equal.
    public static func == (lhs: CacheError, rhs: CacheError) -> Bool {
        lhs.code == rhs.code
    }
}
