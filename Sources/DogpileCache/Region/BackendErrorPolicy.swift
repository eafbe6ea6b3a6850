/// What a region does when its backend fails during a read or a get-or-create.
public struct BackendErrorPolicy: Sendable, Hashable, CustomStringConvertible {
    private enum Base: Sendable, Hashable {
        case failOpen
        case propagate
    }

    private let base: Base

    /// The default: a failed read is a miss and a failed write is logged and counted, so the creator's
    /// value is still returned. A broken cache slows requests down but never fails them. A key the
    /// backend cannot hold (`invalidKey`) is the caller's mistake, not an outage: it is thrown
    /// under either policy.
    public static let failOpen = BackendErrorPolicy(base: .failOpen)

    /// Backend errors are thrown to the caller.
    public static let propagate = BackendErrorPolicy(base: .propagate)

    /// `failOpen` or `propagate`.
    public var description: String {
        switch base {
        case .failOpen: "failOpen"
        case .propagate: "propagate"
        }
    }
}
