import DogpileCache
import Foundation

// Replays a trace (one object id per line, as ../shared/hitrate/ makes them) through a bounded
// MemoryBackend and prints its hit ratio: each id is read; on a miss it is stored.
//     hitrate TRACE SIZE [tinyLFU|lru] [SHARDS]
// SHARDS defaults to the backend's own default (MemoryBackend.Configuration.defaultShardCount).
let arguments = CommandLine.arguments
guard arguments.count >= 3, let size = Int(arguments[2]), size >= 1 else {
    print("usage: hitrate TRACE SIZE [tinyLFU|lru] [SHARDS]")
    exit(2)
}
let policy: MemoryBackend.EvictionPolicy
switch arguments.count > 3 ? arguments[3] : "tinyLFU" {
case "tinyLFU": policy = .tinyLFU
case "lru": policy = .lru
case let other:
    print("unknown policy \(other): tinyLFU or lru")
    exit(2)
}

let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: arguments[1])))
var keys: [String] = []
var start = 0
for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
    if index > start {
        keys.append(String(decoding: bytes[start..<index], as: UTF8.self))
    }
    start = index + 1
}
if start < bytes.count {
    keys.append(String(decoding: bytes[start...], as: UTF8.self))
}

var configuration = MemoryBackend.Configuration(maxEntries: size, evictionPolicy: policy)
if arguments.count > 4 {
    guard let shards = Int(arguments[4]) else {
        print("SHARDS must be a number, got \(arguments[4])")
        exit(2)
    }
    configuration.shardCount = shards
}
let backend = try MemoryBackend(configuration: configuration)
let stored = CachedValue(payload: true, creationTime: 0)
var hits = 0
let started = ContinuousClock.now
for key in keys {
    if backend.storedValue(for: key) != nil {
        hits += 1
    } else {
        try backend.storeValue(stored, for: key)
    }
}
let elapsed = ContinuousClock.now - started
let ratio = 100 * Double(hits) / Double(max(1, keys.count))
print("\(arguments[1])\tsize=\(size)\t\(policy)\tshards=\(configuration.shardCount)\thits=\(hits)\trequests=\(keys.count)\thit=\(String(format: "%.3f", ratio))%\t\(elapsed)")
