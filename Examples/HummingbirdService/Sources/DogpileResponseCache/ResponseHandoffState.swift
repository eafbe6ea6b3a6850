/// What a request does for its URL.
enum ResponseRole: Equatable, Sendable {
    /// Run the route and hand its response to the region's creation.
    case create
    /// Use what the region answered.
    case served
}

/// Who makes a request's response, as the response cache decides it with its region: a plain state
/// machine, kept behind ``ResponseHandoff``'s lock, with synchronous tests.
///
/// The middleware asks the region for the response of a URL in a child task and, meanwhile, waits to
/// learn its role. If the region calls the creator, this request is the one that makes the response
/// (`create`): the middleware runs the route itself, in its own task (the route's `next` cannot
/// leave it), and hands the response to the creator, which the region stores and shares with the
/// requests that joined. If the region answers without calling the creator (a hit, a joined
/// creation, a stale value), the request is `served`. Every continuation is resumed exactly once.
///
/// `Parent` is the middleware's wait for its role, `Creator` the creator's wait for the response.
struct ResponseHandoffState<Parent, Creator> {
    typealias Role = ResponseRole

    /// What the owner does when the creator starts.
    enum CreatorStart {
        /// Resume the middleware, if it waits, with `create`; the creator waits for the response.
        case resumeParent(Parent?)
        /// The request was already served (its lookup ended, so no one will hand over a response):
        /// fail the creator at once.
        case failCreator(Creator)
    }

    private(set) var role: Role?
    private var parent: Parent?
    private var creator: Creator?

    init() {}

    /// The middleware waits for its role: returns it when known, else keeps `parent` to resume later.
    mutating func waitForRole(_ parent: Parent) -> Role? {
        if let role { return role }
        precondition(self.parent == nil, "the middleware waits for its role once")
        self.parent = parent
        return nil
    }

    /// The region called the creator, which waits (as `creator`) for the response.
    mutating func creatorStarted(_ creator: Creator) -> CreatorStart {
        if role == .served {
            return .failCreator(creator)
        }
        precondition(role == nil, "the region calls a request's creator once")
        role = .create
        self.creator = creator
        defer { parent = nil }
        return .resumeParent(parent)
    }

    /// The region answered the lookup. Returns the middleware's wait to resume with `served` when
    /// the creator was not called.
    mutating func lookupEnded() -> Parent? {
        guard role == nil else { return nil }
        role = .served
        defer { parent = nil }
        return parent
    }

    /// The middleware has the route's response (or error): returns the creator to resume with it.
    mutating func deliver() -> Creator? {
        precondition(role == .create, "only the request that creates delivers a response")
        defer { creator = nil }
        return creator
    }
}
