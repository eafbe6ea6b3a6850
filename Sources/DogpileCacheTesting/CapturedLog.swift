import DogpileCache
import Logging

/// Collects what a region (or anything given its ``logger()``) logs, so a test can read it.
///
/// Each message is kept as one line: the message, then the logger's and the line's metadata, sorted
/// by key, as `key=value`.
public final class CapturedLog: Sendable {
    private let lines = LockedValue<[(level: Logger.Level, line: String)]>([])

    /// Creates an empty log.
    public init() {}

    /// Every message logged so far, at any level.
    public var messages: [String] { lines.withLock { $0.map(\.line) } }
    /// The messages logged at warning level or above.
    public var warnings: [String] { lines.withLock { $0.filter { $0.level >= .warning }.map(\.line) } }

    /// A logger, at debug level, whose messages this log collects.
    public func logger(label: String = "dogpile.cache") -> Logger {
        var logger = Logger(label: label) { _ in Handler(log: self) }
        logger.logLevel = .debug
        return logger
    }

    private struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            // The logger's own metadata (set with `logger[metadataKey:]`), then the line's.
            let all = metadata.merging(event.metadata ?? [:]) { _, line in line }
            let details = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            let line = ([event.message.description] + details).joined(separator: " ")
            log.lines.withLock { $0.append((event.level, line)) }
        }
    }
}
