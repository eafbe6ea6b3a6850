/// A value of a flat configuration, coerced from its text as dogpile.cache's `coerce_string_conf`
/// does.
public enum CacheConfigValue: Sendable, Hashable, CustomStringConvertible {
    /// Text that is none of the others.
    case string(String)
    /// A whole number (`"42"`, `"-3"`, `"+7"`).
    case integer(Int)
    /// A decimal or exponent number (`"1.5"`, `"2e3"`).
    case decimal(Double)
    /// `true` or `false`, in any case.
    case boolean(Bool)
    /// Exactly `None`: no value.
    case null

    /// Coerces `text`, trimmed of surrounding spaces: whole numbers, then decimals, then `true`/
    /// `false` in any case, then exactly `None`; anything else stays text.
    public init(coercing text: String) {
        let trimmed = String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
        if Self.isWholeNumber(trimmed), let integer = Int(trimmed) {
            self = .integer(integer)
        } else if Self.isDecimalNumber(trimmed), let decimal = Double(trimmed) {
            self = .decimal(decimal)
        } else if trimmed.lowercased() == "true" {
            self = .boolean(true)
        } else if trimmed.lowercased() == "false" {
            self = .boolean(false)
        } else if trimmed == "None" {
            self = .null
        } else {
            self = .string(trimmed)
        }
    }

    /// The value as dogpile would print it.
    public var description: String {
        switch self {
        case .string(let text): text
        case .integer(let integer): String(integer)
        case .decimal(let decimal): String(decimal)
        case .boolean(let boolean): boolean ? "True" : "False"
        case .null: "None"
        }
    }

    /// An optional sign, then one or more digits.
    private static func isWholeNumber(_ text: String) -> Bool {
        let digits = text.first == "+" || text.first == "-" ? text.dropFirst() : Substring(text)
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// An optional sign, digits with at most one point, and an optional exponent (`1.5`, `.5`, `2e3`).
    private static func isDecimalNumber(_ text: String) -> Bool {
        var rest = Substring(text)
        if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
        let mantissa = rest.prefix { $0 != "e" && $0 != "E" }
        let exponent = rest.dropFirst(mantissa.count)
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.contains(where: { !$0.isEmpty }),
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } })
        else { return false }
        guard !exponent.isEmpty else { return parts.count == 2 }
        var power = exponent.dropFirst()
        if power.first == "+" || power.first == "-" { power = power.dropFirst() }
        return !power.isEmpty && power.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
