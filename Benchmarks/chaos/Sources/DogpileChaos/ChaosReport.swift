/// What a chaos run measured, and whether it met the reliability bounds.
public struct ChaosReport: Sendable {
    /// The run's options.
    public let options: ChaosOptions
    /// Calls made.
    public let requests: Int
    /// Calls answered without running their own creator.
    public let cached: Int
    /// Calls that ran their own creator.
    public let creations: Int
    /// Values of another key.
    public let wrongValues: Int
    /// Values that are not whole values the run wrote.
    public let corruptValues: Int
    /// Calls whose creator ran and returned, yet the call returned something else or threw.
    public let lostCreations: Int
    /// Errors thrown to callers.
    public let errors: Int
    /// The first error a caller saw.
    public let firstError: String?
    /// The longest call.
    public let longestCall: Duration
    /// From SIGCONT or the restart until the region read a hit again; `nil` when it read none before
    /// the load stopped.
    public let hitsBack: Duration?
    /// Live lock keys on the server a second after the last call returned.
    public let lockKeysLeft: Int
    /// The region's `statistics.backendErrors`: failed reads and writes it answered as misses.
    public let backendErrors: Int
    /// The region's `statistics.lockWaitsTimedOut`.
    public let lockWaitsTimedOut: Int

    /// The bound on a call: `lockWaitTimeout` + 2 × `pollTimeout`.
    public var callBound: Duration { options.lockWaitTimeout + options.pollTimeout * 2 }

    /// The bounds the run broke, in words; empty when it met them all.
    public var failures: [String] {
        var failures: [String] = []
        for (count, what) in [(wrongValues, "wrong values"), (corruptValues, "corrupt values"), (lostCreations, "lost creations"), (errors, "errors thrown to callers"), (lockKeysLeft, "lock keys left")] where count > 0 {
            failures.append("\(count) \(what)")
        }
        if hitsBack.map({ $0 > .seconds(2) }) ?? true {
            failures.append("hits not back within 2 s (\(hitsBack.map(Self.format) ?? "none"))")
        }
        if longestCall > callBound {
            failures.append("a call took \(Self.format(longestCall)), more than \(Self.format(callBound))")
        }
        return failures
    }

    /// The header of the table ``tableRow`` fills, in Markdown.
    public static let tableHeader = """
        | fault | requests | cached | creations | wrong | corrupt | lost | errors | longest call | hits back | lock keys left |
        |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
        """

    /// This run as a row of the table.
    public var tableRow: String {
        let cells = [
            "\(options.fault.rawValue) \(Self.seconds(options.faultDuration))", grouped(requests), grouped(cached), grouped(creations),
            "\(wrongValues)", "\(corruptValues)", "\(lostCreations)", "\(errors)",
            Self.format(longestCall), hitsBack.map(Self.format) ?? "none", "\(lockKeysLeft)",
        ]
        return "| " + cells.joined(separator: " | ") + " |"
    }

    /// A duration in seconds, as `3 s` or `1.5 s`.
    static func seconds(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }

    /// A duration in milliseconds with one decimal, or in seconds from 10 s up.
    static func format(_ duration: Duration) -> String {
        let milliseconds = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        if milliseconds >= 10_000 {
            return "\((milliseconds / 100).rounded() / 10) s"
        }
        let tenths = Int((milliseconds * 10).rounded())
        return "\(grouped(tenths / 10)).\(tenths % 10) ms"
    }
}

/// `n` with a comma between each group of three digits.
private func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var text = ""
    for (index, digit) in digits.enumerated() {
        if index > 0, (digits.count - index) % 3 == 0 { text.append(",") }
        text.append(digit)
    }
    return n < 0 ? "-" + text : text
}
