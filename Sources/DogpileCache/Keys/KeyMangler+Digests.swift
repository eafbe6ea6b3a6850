extension KeyMangler {
    /// The lowercase hexadecimal SHA-1 of the key's UTF-8 bytes (dogpile's `sha1_mangle_key`): 40
    /// characters of `0-9a-f`, whatever the key, so any key fits a backend such as memcached.
    /// `"some_key"` becomes `53def077a4264bd3183d4eb21b1f56f883e1b572`.
    public static let sha1 = KeyMangler { key in
        SHA1.digest(key.utf8).hexadecimal
    }

    /// Applies `mangler` to keys of `length` UTF-8 bytes or more, and leaves shorter keys as they are
    /// (dogpile's `length_conditional_mangler`, which counts characters; bytes are what backends limit).
    ///
    /// Mangled keys start with `#`, and short keys that start with `#` are mangled too, so a short key
    /// can never be spelled like the mangled form of a long one.
    public static func lengthConditional(length: Int, mangler: KeyMangler) -> KeyMangler {
        KeyMangler { key in
            key.utf8.count >= length || key.hasPrefix("#") ? "#" + mangler(key) : key
        }
    }
}

extension Sequence where Element == UInt8 {
    /// Lowercase hexadecimal digits, two per byte.
    var hexadecimal: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
