import Foundation
import DogpileCache
import Synchronization

/// A `dogpile-fleet-node` process the test drives: one command a line on its standard input, one
/// answer a line from its standard output.
final class FleetNodeProcess: Sendable {
    private struct Answers {
        var lines: [String] = []
        var partial = Data()
        var waiter: CheckedContinuation<String?, Never>?
        var ended = false
    }

    private let process: LockedValue<Process>
    private let input: FileHandle
    private let answers = LockedValue(Answers())
    private let exited = LockedValue<(done: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    /// Starts a node on the memcached `server` (`host:port`) with a region named `region` and the
    /// node's `options` (`--local`, `--frozen-clock`); the executable is built beside the test bundle.
    init(server: String, region: String, options: [String] = []) throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("dogpile-fleet-node")
        let process = Process()
        process.executableURL = binary
        process.arguments = [server, region] + options
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        self.process = LockedValue(process)
        self.input = stdin.fileHandleForWriting
        stdout.fileHandleForReading.readabilityHandler = { [answers] handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
            }
            let resume = answers.withLock { state -> (CheckedContinuation<String?, Never>, String?)? in
                if data.isEmpty {
                    state.ended = true
                } else {
                    state.partial.append(data)
                    while let newline = state.partial.firstIndex(of: UInt8(ascii: "\n")) {
                        state.lines.append(String(decoding: state.partial[state.partial.startIndex..<newline], as: UTF8.self))
                        state.partial.removeSubrange(state.partial.startIndex...newline)
                    }
                }
                guard let waiter = state.waiter, !state.lines.isEmpty || state.ended else { return nil }
                state.waiter = nil
                return (waiter, state.lines.isEmpty ? nil : state.lines.removeFirst())
            }
            if let (waiter, line) = resume {
                waiter.resume(returning: line)
            }
        }
        process.terminationHandler = { [exited] _ in
            exited.withLock { state in
                state.done = true
                defer { state.waiter = nil }
                return state.waiter
            }?.resume()
        }
        try process.run()
    }

    /// Sends `command`.
    func send(_ command: String) {
        input.write(Data((command + "\n").utf8))
    }

    /// The next answer; fails when the process ended first or the waiting task is cancelled (by the
    /// test's time limit), so that a node that does not answer fails the test instead of hanging
    /// the run. One caller at a time.
    func nextAnswer() async throws -> String {
        let line = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
                let ready = answers.withLock { state -> String?? in
                    if !state.lines.isEmpty { return .some(state.lines.removeFirst()) }
                    // Cancelled before the waiter is kept: the handler below found none to resume.
                    if state.ended || Task.isCancelled { return .some(nil) }
                    state.waiter = continuation
                    return nil
                }
                if let ready {
                    continuation.resume(returning: ready)
                }
            }
        } onCancel: {
            answers.withLock { $0.waiter.take() }?.resume(returning: nil)
        }
        guard let line else {
            throw FleetNodeError(message: Task.isCancelled ? "no answer before the test was cancelled" : "the fleet node exited")
        }
        return line
    }

    /// Sends `command` and returns its answer.
    func ask(_ command: String) async throws -> String {
        send(command)
        return try await nextAnswer()
    }

    /// Asks the node to quit and waits for it to exit; when the waiting task is cancelled (by the
    /// test's time limit), kills it instead.
    func quit() async {
        send("quit")
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let done = exited.withLock { state in
                    if !state.done && !Task.isCancelled { state.waiter = continuation }
                    return state.done || Task.isCancelled
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            exited.withLock { $0.waiter.take() }?.resume()
        }
        if Task.isCancelled {
            process.withLock { $0.terminate() }
        }
    }

    deinit {
        // A test that failed before `quit` leaves no node behind.
        process.withLock { process in
            if process.isRunning { process.terminate() }
        }
    }
}

struct FleetNodeError: Error {
    var message: String
}
