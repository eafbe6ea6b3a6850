import DogpileCache

/// Checks that every ``AsyncCacheBackend`` and proxy must pass, independent of any test framework.
///
/// Run them all with ``run(storesValues:makeBackend:)``, which throws one ``BackendConformanceFailure`` listing every
/// failed check, or one by one with Swift Testing's arguments:
///
/// ```swift
/// @Test(arguments: BackendConformance.checks)
/// func memoryBackend(_ check: BackendConformance.Check) async throws {
///     try await check.run(on: MemoryBackend())
/// }
/// ```
///
/// Each check uses keys of its own, so a backend shared between checks (a memcached server) is fine.
/// Pass `storesValues: false` for backends that drop every write, such as `NullBackend`: the checks
/// then assert that nothing is ever read back.
public enum BackendConformance {
    /// One named check.
    public struct Check: Sendable, CustomStringConvertible {
        /// What the check verifies.
        public let name: String
        private let body: @Sendable (any AsyncCacheBackend, Bool) async throws -> Void

        init(_ name: String, _ body: @escaping @Sendable (any AsyncCacheBackend, _ storesValues: Bool) async throws -> Void) {
            self.name = name
            self.body = body
        }

        /// Runs the check on `backend`.
        /// - Parameter storesValues: `false` for backends that store nothing.
        public func run(on backend: any AsyncCacheBackend, storesValues: Bool = true) async throws {
            try await body(backend, storesValues)
        }

        /// The check's name.
        public var description: String { name }
    }

    /// Runs every check on a backend made by `makeBackend` and throws one error naming each failure.
    public static func run(
        storesValues: Bool = true,
        makeBackend: () async throws -> any AsyncCacheBackend
    ) async throws {
        var failures: [String] = []
        for check in checks {
            do {
                try await check.run(on: makeBackend(), storesValues: storesValues)
            } catch {
                failures.append("\(check.name): \(error)")
            }
        }
        if !failures.isEmpty {
            throw BackendConformanceFailure(failures: failures)
        }
    }

    /// Every check.
    public static let checks: [Check] = [
        Check("get of a missing key is nil") { backend, _ in
            try expect(try await backend.get(uniqueKey("missing")) == nil, "get returned a value for a key never set")
        },
        Check("set then get returns the value and its metadata") { backend, stores in
            let key = uniqueKey("set")
            try await backend.set(key, entry("hello", backend, creationTime: 1234.5))
            let value = try await backend.get(key)
            if stores {
                try expect(text(value) == "hello", "payload was \(String(describing: value?.payload))")
                // A byte-storing backend keeps only the bytes: the metadata travels inside the record.
                if !backend.storesBytes {
                    try expect(value?.creationTime == 1234.5, "creation time was \(String(describing: value?.creationTime))")
                    try expect(value?.version == CachedValue.currentVersion, "version was \(String(describing: value?.version))")
                }
            } else {
                try expect(value == nil, "a backend that stores nothing returned a value")
            }
        },
        Check("set replaces the previous value") { backend, stores in
            let key = uniqueKey("replace")
            try await backend.set(key, entry("1", backend))
            try await backend.set(key, entry("2", backend))
            let value = try await backend.get(key)
            try expect(text(value) == (stores ? "2" : nil), "read \(String(describing: value?.payload)) after replacing with 2")
        },
        Check("keys are independent") { backend, stores in
            let first = uniqueKey("first")
            let second = uniqueKey("second")
            try await backend.set(first, entry("one", backend))
            try await backend.set(second, entry("two", backend))
            try await backend.delete(first)
            try expect(try await backend.get(first) == nil, "deleted key still readable")
            let remaining = text(try await backend.get(second))
            try expect(remaining == (stores ? "two" : nil), "deleting one key changed another: \(String(describing: remaining))")
        },
        Check("delete is idempotent and accepts missing keys") { backend, _ in
            let key = uniqueKey("delete")
            try await backend.delete(key)
            try await backend.set(key, entry("x", backend))
            try await backend.delete(key)
            try await backend.delete(key)
            try expect(try await backend.get(key) == nil, "value survived delete")
        },
        Check("getMulti returns values in key order with nil for missing keys") { backend, stores in
            let keys = (0..<5).map { uniqueKey("multi\($0)") }
            try await backend.set(keys[1], entry("b", backend))
            try await backend.set(keys[3], entry("d", backend))
            let values = try await backend.getMulti(keys).map(text)
            let expected: [String?] = stores ? [nil, "b", nil, "d", nil] : [nil, nil, nil, nil, nil]
            try expect(values == expected, "getMulti returned \(values), expected \(expected)")
        },
        Check("getMulti with repeated keys answers each position") { backend, stores in
            let key = uniqueKey("repeat")
            try await backend.set(key, entry("r", backend))
            let values = try await backend.getMulti([key, key]).map(text)
            let expected: [String?] = stores ? ["r", "r"] : [nil, nil]
            try expect(values == expected, "getMulti of a repeated key returned \(values)")
        },
        Check("setMulti stores every entry") { backend, stores in
            let keys = (0..<4).map { uniqueKey("setMulti\($0)") }
            try await backend.setMulti(keys.enumerated().map { (key: $0.element, value: entry("\($0.offset)", backend)) })
            let values = try await backend.getMulti(keys).map(text)
            let expected: [String?] = stores ? ["0", "1", "2", "3"] : [nil, nil, nil, nil]
            try expect(values == expected, "after setMulti read \(values)")
        },
        Check("deleteMulti removes every key and accepts missing ones") { backend, _ in
            let keys = (0..<3).map { uniqueKey("deleteMulti\($0)") }
            try await backend.set(keys[0], entry("0", backend))
            try await backend.set(keys[2], entry("2", backend))
            try await backend.deleteMulti(keys)
            try await backend.deleteMulti(keys)
            let values = try await backend.getMulti(keys)
            try expect(values.allSatisfy { $0 == nil }, "values survived deleteMulti")
        },
        Check("multi operations accept empty inputs") { backend, _ in
            let values = try await backend.getMulti([])
            try expect(values.isEmpty, "getMulti([]) returned \(values.count) values")
            try await backend.setMulti([])
            try await backend.deleteMulti([])
        },
        Check("keys with Unicode and punctuation are distinct") { backend, stores in
            let base = uniqueKey("unicode")
            let keys = [base + ":méil", base + ":meil", base + ":日本", base + ":a|b"]
            for (index, key) in keys.enumerated() {
                try await backend.set(key, entry("\(index)", backend))
            }
            let values = try await backend.getMulti(keys).map(text)
            let expected: [String?] = stores ? ["0", "1", "2", "3"] : [nil, nil, nil, nil]
            try expect(values == expected, "similar keys read \(values)")
        },
    ]

    /// A value with `text` as its payload: bytes for a backend that stores bytes, else the string.
    private static func entry(_ text: String, _ backend: any AsyncCacheBackend, creationTime: Double = 1) -> CachedValue {
        CachedValue(payload: backend.storesBytes ? Array(text.utf8) as any Sendable : text, creationTime: creationTime)
    }

    /// The text an ``entry(_:_:creationTime:)`` holds.
    private static func text(_ value: CachedValue?) -> String? {
        switch value?.payload {
        case let bytes as [UInt8]: String(decoding: bytes, as: UTF8.self)
        case let text as String: text
        default: nil
        }
    }

    private static func uniqueKey(_ name: String) -> String {
        "conformance:\(name):\(UInt64.random(in: 0...UInt64.max))"
    }

    private static func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition {
            throw BackendConformanceFailure(failures: [message()])
        }
    }
}

/// The checks of ``BackendConformance`` that a backend failed.
public struct BackendConformanceFailure: Error, CustomStringConvertible {
    /// One line per failed check.
    public let failures: [String]

    /// Every failure, one per line.
    public var description: String {
        "backend conformance failed:\n" + failures.joined(separator: "\n")
    }
}
