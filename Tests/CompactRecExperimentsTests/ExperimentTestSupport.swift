import Foundation
import CompactRecTestSupport
import Testing

@testable import CompactRec
@testable import CompactRecRuntime
@testable import CompactRecExperiments

/// Plans, data and result records for the experiment tests.
enum ExperimentTestSupport {
    /// A per-user file (`user-seq`) of runs of consecutive items over 39 items, one user a line.
    @discardableResult
    static func writeUserSequences(in directory: DataTestDirectory, name: String = "users.txt", users: Int = 80) throws -> String {
        var rng = SeededGenerator(seed: 11)
        var lines: [String] = []
        for user in 1...users {
            var item = Int(1 + rng.next() % 39)
            var items: [String] = []
            for _ in 0..<(5 + Int(rng.next() % 6)) {
                items.append(String(item))
                item = item % 39 + 1
            }
            lines.append("\(user) " + items.joined(separator: " "))
        }
        return try directory.write(name, lines.joined(separator: "\n") + "\n")
    }

    /// A plan over `users.txt` in the same folder: two configurations (uncompressed and CpRec
    /// with cross-layer sharing), T = 8, one epoch, one seed; `extra` adds configurations.
    static func tinyPlan(extraConfigurations extra: [String] = []) -> String {
        let configurations = [
            #"{"name": "full"}"#,
            #"{"name": "cprec", "inputEmbedding": "block-adaptive", "outputLayer": "tree-softmax", "sharing": "cross-layer", "cutoffs": "10,25"}"#,
        ] + extra
        return """
            {
              "name": "tiny",
              "datasets": [{"name": "users", "path": "users.txt", "format": "user-seq"}],
              "lengths": [8],
              "defaults": {"embeddingSize": 8, "dilations": [1, 2], "epochs": 1, "batchSize": 32, "learningRate": 0.01, "validation": false},
              "configurations": [\(configurations.joined(separator: ", "))],
              "seeds": [1],
              "recommendRequests": 10
            }
            """
    }

    /// A result record with the given figures and plausible everything else, run on ``testMachine`` unless told.
    static func result(
        dataset: String = "toy", length: Int = 20, configuration: String, seed: UInt64, params: Int,
        uncompressed: Int = 1000, ndcg10: Double, hr10: Double, mrr10: Double, trainingSeconds: Double, epochs: Int = 2,
        evalUsersPerSecond: Double, latency: Double, date: String = "2026-01-01T00:00:00Z", machine: RunResult.Machine = testMachine
    ) -> RunResult {
        RunResult(
            key: "\(dataset)-T\(length)-\(configuration)-s\(seed)-00000000", plan: "fixture", dataset: dataset,
            dataPath: "\(dataset).txt", testPath: nil, format: "pairs", length: length, configuration: configuration,
            settings: ExperimentSettings(), seed: seed, items: 99, trainingSequences: 500, testCases: 100,
            paramsInput: params / 2, paramsMiddle: params / 4, paramsOutput: params - params / 2 - params / 4, params: params,
            paramsUncompressed: uncompressed, compressionRatio: Double(uncompressed) / Double(params), bytes: 4 * params,
            metrics: ["ndcg@10": ndcg10, "hr@10": hr10, "mrr@10": mrr10], evaluationProtocol: "fixture protocol",
            epochs: epochs, bestEpoch: epochs, finalLoss: 1.5, trainingSeconds: trainingSeconds,
            epochSeconds: Array(repeating: trainingSeconds / Double(epochs), count: epochs), sequencesPerSecond: 1000,
            evalUsersPerSecond: evalUsersPerSecond, recommendLatencyP50Ms: latency, recommendRequests: 100,
            machine: machine, date: date)
    }

    static let testMachine = RunResult.Machine(cpu: "Test CPU", blas: "OpenBLAS Test", threads: 2)

    /// Expects `body` to throw an `InputError` from `source` at `location` whose message contains `fragment`.
    static func expectInputError(
        source: String, location: String?, containing fragment: String, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> Void
    ) {
        do {
            try body()
            Issue.record("expected an error at \(location ?? "-")", sourceLocation: sourceLocation)
        } catch let error as InputError {
            #expect(error.source == source, sourceLocation: sourceLocation)
            #expect(error.location == location, "\(error)", sourceLocation: sourceLocation)
            #expect(error.message.contains(fragment), "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected an InputError, got \(error)", sourceLocation: sourceLocation)
        }
    }
}

extension ExperimentSettings {
    /// The model these settings build at T = `maxLength`, as a run of a plan whose defaults
    /// hold them builds it (no setting given by a configuration).
    func configuration(itemCount: Int, frequencies: [Int], maxLength: Int) throws -> ModelConfiguration {
        var specification = self.specification
        specification.model.maxLength = maxLength
        try specification.validate(given: [], names: .planKeys)
        return try specification.modelConfiguration(itemCount: itemCount, frequencies: frequencies, given: [], names: .planKeys)
    }
}
