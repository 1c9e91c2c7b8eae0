// Mutation check: data files, model bundles and checkpoint states, damaged on purpose and read
// back, counting what is refused, what is read as what it was made as, and what is read as
// something else (data) or served (bundles, checkpoints) although damaged.
//
//     swift run -c release mutation-check [--files 10000] [--bundles 1000] [--states 1000] [--seed 1]
//
// Prints a table per part and exits 1 when a damaged bundle or checkpoint is accepted. A crash
// ends the process, which the caller sees as a non-zero exit without the tables.
import CZlib
import CompactRec
import Foundation

// MARK: - Arguments

var counts = ["--files": 10_000, "--bundles": 1_000, "--states": 1_000, "--seed": 1]
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard counts[flag] != nil, let value = arguments.popFirst().flatMap(Int.init), value >= 0 else {
        FileHandle.standardError.write(Data("usage: mutation-check [--files N] [--bundles N] [--states N] [--seed N]\n".utf8))
        exit(64)
    }
    counts[flag] = value
}
var random = SplitMix(seed: UInt64(counts["--seed"]!))
let work = NSTemporaryDirectory() + "mutation-check-\(getpid())"
try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: work) }

/// SplitMix64: small, seeded, the same sequence on every machine.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
}

@MainActor func gzip(_ bytes: [UInt8], to path: String) {
    let file = gzopen(path, "wb")!
    _ = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
    gzclose(file)
}

// MARK: - Data files

/// A file as one of the formats writes it: a name and its lines.
struct Sample {
    var name: String
    var lines: [String]
}

/// A fresh file of `format`, 20–80 interactions' worth, ids as real data sets write them.
@MainActor func sample(_ kind: String) -> Sample {
    let users = 5 + random.below(12)
    var lines: [String] = []
    func items() -> [Int] { (0..<(3 + random.below(8))).map { _ in 1 + random.below(500) } }
    var time = 880_000_000 + random.below(10_000_000)
    switch kind {
    case "pairs":
        for user in 1...users { for item in items() { lines.append("\(user) \(item)") } }
        return Sample(name: "data.txt", lines: lines)
    case "user-seq":
        for user in 1...users { lines.append(([user] + items()).map(String.init).joined(separator: " ")) }
        return Sample(name: "sequences.txt", lines: lines)
    case "seq":
        for _ in 1...users { lines.append(items().map(String.init).joined(separator: ",")) }
        return Sample(name: "sessions.txt", lines: lines)
    case "atomic":
        lines.append("user_id:token\titem_id:token\trating:float\ttimestamp:float")
        for user in 1...users { for item in items() { time += 1 + random.below(999); lines.append("\(user)\t\(item)\t\(1 + random.below(5))\t\(time)") } }
        return Sample(name: "data.inter", lines: lines)
    default:  // movielens: u.data, with tabs
        for user in 1...users { for item in items() { time += 1 + random.below(999); lines.append("\(user)\t\(item)\t\(1 + random.below(5))\t\(time)") } }
        return Sample(name: "u.data", lines: lines)
    }
}

let mutations = ["delete line", "duplicate line", "swap lines", "CR line ends", "cut mid-line", "flip byte", "blank line",
                 "drop a field", "gzip + junk", "gzip cut"]

/// The bytes of `sample` damaged by `mutation`, and whether they are gzip.
@MainActor func mutate(_ sample: Sample, _ mutation: String) -> (bytes: [UInt8], gzip: Bool) {
    var lines = sample.lines
    let body = lines.count > 1 && lines[0].contains(":token") ? 1 : 0  // keep a header in place
    let a = body + random.below(lines.count - body), b = body + random.below(lines.count - body)
    switch mutation {
    case "delete line": lines.remove(at: a)
    case "duplicate line": lines.insert(lines[a], at: a)
    case "swap lines": lines.swapAt(a, b)
    case "blank line": lines.insert("", at: a)
    case "drop a field":
        var fields = lines[a].split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }).map(String.init)
        if fields.count > 1 { fields.remove(at: random.below(fields.count)) }
        let separator = lines[a].contains("\t") ? "\t" : lines[a].contains(",") ? "," : " "
        lines[a] = fields.joined(separator: separator)
    default: break
    }
    var bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
    switch mutation {
    case "CR line ends": bytes = bytes.map { $0 == 0x0A ? 0x0D : $0 }
    case "cut mid-line": bytes = Array(bytes.prefix(1 + random.below(bytes.count - 1)))
    case "flip byte": bytes[random.below(bytes.count)] ^= UInt8(1 << random.below(8))
    case "gzip + junk", "gzip cut":
        let path = work + "/gz"
        gzip(bytes, to: path)
        var compressed = Array(FileManager.default.contents(atPath: path)!)
        if mutation == "gzip cut" {
            compressed = Array(compressed.prefix(10 + random.below(compressed.count - 10)))
        } else {
            compressed += (0..<(1 + random.below(64))).map { _ in UInt8(random.below(256)) }
        }
        return (compressed, true)
    default: break
    }
    return (bytes, false)
}

let formats = ["pairs", "user-seq", "seq", "atomic", "movielens"]
var dataTable: [String: (refused: Int, same: Int, other: [String: Int])] = [:]
var otherExamples: [String] = []
/// The most lines any file read as another format had: detection decides on few lines only so far.
var mostLinesReadAsOther = 0
let filesPerFormat = counts["--files"]!
for format in formats {
    var row = (refused: 0, same: 0, other: [String: Int]())
    for n in 0..<filesPerFormat {
        let base = sample(format)
        let mutation = mutations[n % mutations.count]
        let (bytes, isGzip) = mutate(base, mutation)
        let path = work + "/" + base.name + (isGzip ? ".gz" : "")
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        var items = ItemTokenTable()
        do {
            let log = try InteractionLog.read(path: path, format: .auto, items: &items)
            if log.format.rawValue == format {
                row.same += 1
            } else {
                row.other["\(mutation) → \(log.format.rawValue)", default: 0] += 1
                mostLinesReadAsOther = max(mostLinesReadAsOther, log.sequences.count)
                if otherExamples.count < 5 { otherExamples.append("\(format), \(mutation): read as \(log.format.rawValue)") }
            }
        } catch is InputError {
            row.refused += 1
        }
        try? FileManager.default.removeItem(atPath: path)
    }
    dataTable[format] = row
}
print("data files: \(filesPerFormat) mutated files per format (\(mutations.joined(separator: ", ")), in turn)")
print("| made as | refused with an error | read as made | read as another format |")
print("|---|---|---|---|")
var acceptedAsOther = 0
for format in formats {
    let row = dataTable[format]!
    let other = row.other.values.reduce(0, +)
    acceptedAsOther += other
    let detail = row.other.sorted { $0.value > $1.value }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
    print("| \(format) | \(row.refused) | \(row.same) | \(other)\(detail.isEmpty ? "" : " (\(detail))") |")
}
print("read as another format: \(acceptedAsOther) of \(filesPerFormat * formats.count)"
      + (acceptedAsOther > 0 ? "; the largest of them held \(mostLinesReadAsOther) sequences as read" : ""))

// MARK: - Bundles and checkpoints

/// A small model trained on a user-seq file, its bundle and a checkpoint.
@MainActor func trainSmallModel(into directory: String) throws -> (bundle: String, checkpoints: String, run: TrainingRun) {
    var lines: [String] = []
    for user in 1...120 { lines.append(([user] + (0..<(4 + user % 5)).map { (user * 7 + $0 * 3) % 40 + 1 }).map(String.init).joined(separator: " ")) }
    let dataPath = directory + "/users.txt"
    try (lines.joined(separator: "\n") + "\n").write(toFile: dataPath, atomically: true, encoding: .utf8)
    var specification = RunSpecification()
    specification.data.file = dataPath
    specification.data.format = .userSeq
    specification.model.embeddingSize = 8
    specification.model.dilations = [1, 2]
    specification.model.maxLength = 8
    specification.training.epochs = 2
    specification.training.batchSize = 16
    let run = try TrainingRun(specification, given: [], names: .planKeys)
    let data = try run.loadData()
    let session = try run.setUp(data).makeModel()
    let checkpoints = directory + "/checkpoint"
    let writer = CheckpointWriter(directory: checkpoints, vocabulary: data.vocabulary, dataSummary: run.dataSummary(data),
                                  fingerprint: try DataFingerprint(dataset: data, path: dataPath, testPath: nil, validation: true),
                                  threads: 1)
    let outcome = try session.trainAndEvaluate(checkpoints: CheckpointSchedule(interval: .steps(5), save: writer.save))
    let bundle = directory + "/bundle"
    try ModelBundle(model: outcome.model, vocabulary: data.vocabulary, training: session.setup.options,
                    data: run.dataSummary(data), metrics: outcome.metrics.values).write(to: bundle)
    return (bundle, checkpoints, run)
}

@MainActor func copyDirectory(_ from: String, _ to: String) throws {
    try? FileManager.default.removeItem(atPath: to)
    try FileManager.default.copyItem(atPath: from, toPath: to)
}

let trained = try trainSmallModel(into: work)
let bundleFiles = ["config.json", "items.tsv", "model.safetensors"]
var bundleRows: [String: (refused: Int, served: Int)] = [:]
let bundleMutations = ["flip byte", "cut file", "append bytes", "swap items.tsv lines", "delete file"]
for n in 0..<counts["--bundles"]! {
    let copy = work + "/bundle-copy"
    try copyDirectory(trained.bundle, copy)
    let mutation = bundleMutations[n % bundleMutations.count]
    let file = copy + "/" + (mutation == "swap items.tsv lines" ? "items.tsv" : bundleFiles[random.below(bundleFiles.count)])
    var bytes = Array(FileManager.default.contents(atPath: file)!)
    switch mutation {
    case "flip byte": bytes[random.below(bytes.count)] ^= UInt8(1 << random.below(8))
    case "cut file": bytes = Array(bytes.prefix(random.below(bytes.count)))
    case "append bytes": bytes += (0..<(1 + random.below(16))).map { _ in UInt8(random.below(256)) }
    case "swap items.tsv lines":
        var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let a = 1 + random.below(lines.count - 2), b = 1 + random.below(lines.count - 2)
        if a == b { lines[a] += " " } else { lines.swapAt(a, b) }
        bytes = Array(lines.joined(separator: "\n").utf8)
    default: break
    }
    if mutation == "delete file" { try FileManager.default.removeItem(atPath: file) } else {
        FileManager.default.createFile(atPath: file, contents: Data(bytes))
    }
    var row = bundleRows[mutation] ?? (0, 0)
    do {
        _ = try ModelBundle.read(from: copy)
        row.served += 1
    } catch is InputError {
        row.refused += 1
    }
    bundleRows[mutation] = row
}
print("\nbundles: \(counts["--bundles"]!) mutated copies of a trained bundle, loaded with ModelBundle.read")
print("| mutation | refused | served although damaged |")
print("|---|---|---|")
var damagedServed = 0
for mutation in bundleMutations {
    let row = bundleRows[mutation] ?? (0, 0)
    damagedServed += row.served
    print("| \(mutation) | \(row.refused) | \(row.served) |")
}

// Checkpoint states: byte flips and edited fields, resumed as `train --resume` does.
let latest = try String(contentsOfFile: trained.checkpoints + "/latest", encoding: .utf8).trimmingCharacters(in: .newlines)
let stateBytes = Array(FileManager.default.contents(atPath: trained.checkpoints + "/" + latest + "/state.json")!)
let data = try trained.run.loadData()
let setup = try trained.run.setUp(data)
let fingerprint = try DataFingerprint(dataset: data, path: trained.run.specification.data.file!, testPath: nil, validation: true)
var stateRows: [String: (refused: Int, accepted: Int)] = [:]
/// Edits that happened to write the same bytes (a 3 replaced by a 3): neither refused nor damage.
var unchangedStates = 0
let stateMutations = ["flip byte", "edit a number", "remove a field", "cut file"]
let numberPattern = try NSRegularExpression(pattern: "-?[0-9]+(\\.[0-9]+)?")
for n in 0..<counts["--states"]! {
    let copy = work + "/checkpoint-copy"
    try copyDirectory(trained.checkpoints, copy)
    let statePath = copy + "/" + latest + "/state.json"
    var bytes = stateBytes
    let mutation = stateMutations[n % stateMutations.count]
    switch mutation {
    case "flip byte": bytes[random.below(bytes.count)] ^= UInt8(1 << random.below(8))
    case "cut file": bytes = Array(bytes.prefix(random.below(bytes.count)))
    case "edit a number":
        let text = String(decoding: bytes, as: UTF8.self)
        let matches = numberPattern.matches(in: text, range: NSRange(text.startIndex..., in: text))
        let match = matches[random.below(matches.count)]
        let replacement = ["-1", "0", "4611686018427387904", "1e300", "\"x\"", "3"][random.below(6)]
        bytes = Array((text as NSString).replacingCharacters(in: match.range, with: replacement).utf8)
    default:  // remove a field: a line of the pretty-printed JSON
        var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        lines.remove(at: 1 + random.below(lines.count - 2))
        bytes = Array(lines.joined(separator: "\n").utf8)
    }
    FileManager.default.createFile(atPath: statePath, contents: Data(bytes))
    var row = stateRows[mutation] ?? (0, 0)
    do {
        let checkpoint = try TrainingCheckpoint.read(from: copy)
        _ = try checkpoint.checkResumable(model: setup.configuration, training: setup.options, data: fingerprint, threads: 1)
        let trainer = Trainer(model: SequentialRecommender(configuration: setup.configuration, seed: 1), options: setup.options)
        try trainer.restore(from: checkpoint)
        if bytes == stateBytes { unchangedStates += 1 } else { row.accepted += 1 }
    } catch is InputError {
        row.refused += 1
    }
    stateRows[mutation] = row
}
print("\ncheckpoint states: \(counts["--states"]!) mutated state.json files, resumed as train --resume does")
print("| mutation | refused | accepted although damaged |")
print("|---|---|---|")
var damagedResumed = 0
for mutation in stateMutations {
    let row = stateRows[mutation] ?? (0, 0)
    damagedResumed += row.accepted
    print("| \(mutation) | \(row.refused) | \(row.accepted) |")
}
if unchangedStates > 0 { print("(\(unchangedStates) edits wrote the number that was there: the file unchanged, resumed)") }
print("\ncrashes: 0 (the process ended normally); damaged bundles served: \(damagedServed); damaged checkpoints resumed: \(damagedResumed)")
exit(damagedServed == 0 && damagedResumed == 0 ? 0 : 1)
