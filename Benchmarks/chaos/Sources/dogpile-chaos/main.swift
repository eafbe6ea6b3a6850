import DogpileChaos
import Foundation
import Logging

// Loads memcached through a CacheRegion while freezing or killing the server, and prints what the
// callers saw as a row of the README's Reliability table. `dogpile-chaos --help` for the options.
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print(ChaosOptions.usage)
    exit(0)
}
let options: ChaosOptions
do {
    options = try ChaosOptions.parse(arguments)
} catch {
    printToStandardError("dogpile-chaos: \(error)\n\(ChaosOptions.usage)")
    exit(2)
}
LoggingSystem.bootstrap(StreamLogHandler.standardError)

let report = try await Task.detached {
    try await ChaosScenario(options: options).run { printToStandardError("chaos: \($0)") }
}.value
print(ChaosReport.tableHeader)
print(report.tableRow)
print("backend errors answered as misses: \(report.backendErrors); lock waits given up: \(report.lockWaitsTimedOut); call bound \(report.callBound)")
if let firstError = report.firstError {
    print("first error a caller saw: \(firstError)")
}
let failures = report.failures
if !failures.isEmpty {
    print("FAILED: " + failures.joined(separator: "; "))
    exit(1)
}

/// Writes a line to standard error, which the progress lines and the logs share.
func printToStandardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
