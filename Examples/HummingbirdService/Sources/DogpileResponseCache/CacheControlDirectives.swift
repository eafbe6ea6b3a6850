/// The directives of `Cache-Control` header values that a shared cache obeys (RFC 9111 §5.2).
struct CacheControlDirectives: Equatable {
    var noStore = false
    var noCache = false
    var isPrivate = false
    /// `max-age`, in seconds.
    var maxAge: Int?
    /// `s-maxage`, in seconds: the lifetime for shared caches, before `max-age`.
    var sharedMaxAge: Int?

    /// The directives of every value in `values` (a header may be repeated); unknown directives and
    /// ages that are not whole non-negative numbers are ignored.
    init(_ values: some Sequence<some StringProtocol>) {
        for value in values {
            for part in String(value).split(separator: ",") {
                let directive = part.split(separator: "=", maxSplits: 1).map { $0.trimmed { $0 == " " || $0 == "\t" } }
                guard let name = directive.first?.lowercased() else { continue }
                let argument = directive.count > 1 ? Int(directive[1].trimmed { $0 == "\"" }) : nil
                switch name {
                case "no-store": noStore = true
                case "no-cache": noCache = true
                case "private": isPrivate = true
                case "max-age": maxAge = argument.flatMap { $0 >= 0 ? $0 : nil }
                case "s-maxage": sharedMaxAge = argument.flatMap { $0 >= 0 ? $0 : nil }
                default: break
                }
            }
        }
    }
}

extension Substring {
    /// The text without the characters `isTrimmed` holds for at either end.
    fileprivate func trimmed(_ isTrimmed: (Character) -> Bool) -> Substring {
        guard let start = firstIndex(where: { !isTrimmed($0) }), let end = lastIndex(where: { !isTrimmed($0) }) else {
            return ""
        }
        return self[start...end]
    }
}
