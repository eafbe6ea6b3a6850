/// The values a chaos run creates: the key, the creation's number and a checksum of both, as text,
/// so a reader can tell a value of another key from one whose bytes were damaged.
enum ChaosValue {
    /// What a value read for a key turned out to be.
    enum Verdict: Equatable {
        /// A whole value of this key.
        case valid
        /// A whole value, of another key.
        case wrongKey
        /// Not a value this run wrote: cut, damaged or foreign.
        case corrupt
    }

    /// The value of creation number `creation` of `key`.
    static func make(key: String, creation: Int) -> String {
        let body = "\(key) \(creation)"
        return "\(body) \(checksum(body))"
    }

    /// Judges `value`, read for `key`.
    static func check(_ value: String, key: String) -> Verdict {
        guard let space = value.lastIndex(of: " ") else { return .corrupt }
        let body = value[..<space]
        guard value[value.index(after: space)...] == checksum(body) else { return .corrupt }
        guard let keyEnd = body.lastIndex(of: " "), Int(body[body.index(after: keyEnd)...]) != nil else { return .corrupt }
        return body[..<keyEnd] == key ? .valid : .wrongKey
    }

    /// FNV-1a 64 of the text's bytes, in hexadecimal.
    private static func checksum(_ text: some StringProtocol) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
