import Foundation
import CompactRecTestSupport
import Testing

@testable import CompactRec
@testable import CompactRecRuntime
@testable import CompactRecExperiments

@Suite("ExperimentPlan")
struct ExperimentPlanTests {
    /// A valid plan with `edit` applied to its text, written beside an existing data file.
    private func plan(_ directory: DataTestDirectory, _ edit: (String) -> String = { $0 }) throws -> String {
        try directory.write("data.txt", "1 1\n1 2\n1 3\n")
        return try directory.write("plan.json", edit("""
            {
              "name": "check",
              "datasets": [{"name": "d", "path": "data.txt", "format": "pairs"}],
              "lengths": [10, 20],
              "defaults": {"epochs": 3, "validation": false},
              "configurations": [{"name": "base"}, {"name": "small", "inputEmbedding": "block-adaptive", "epochs": 4}],
              "seeds": [1, 2]
            }
            """))
    }

    private func expectError(_ edit: @escaping (String) -> String, at location: String?, containing fragment: String,
                             sourceLocation: SourceLocation = #_sourceLocation) throws {
        let directory = try DataTestDirectory()
        let path = try plan(directory, edit)
        ExperimentTestSupport.expectInputError(source: path, location: location, containing: fragment, sourceLocation: sourceLocation) {
            _ = try ExperimentPlan.load(path: path)
        }
    }

    @Test func aValidPlanGivesTheGridInOrderWithDefaultsAndOverrides() throws {
        let directory = try DataTestDirectory()
        let plan = try ExperimentPlan.load(path: try plan(directory))
        #expect(plan.name == "check" && plan.recommendRequests == 100)
        #expect(plan.datasets[0].resolvedPath == directory.path("data.txt") && plan.datasets[0].format == .pairs)
        let runs = plan.runs
        #expect(runs.count == 1 * 2 * 2 * 2)
        #expect(runs.map { "\($0.length) \($0.configuration.name) \($0.seed)" } == [
            "10 base 1", "10 base 2", "10 small 1", "10 small 2", "20 base 1", "20 base 2", "20 small 1", "20 small 2",
        ])
        let base = plan.configurations[0].settings, small = plan.configurations[1].settings
        #expect(base.training.epochs == 3 && !base.data.validation && base.model.inputEmbedding == "full" && base.model.embeddingSize == 64)
        #expect(small.training.epochs == 4 && !small.data.validation && small.model.inputEmbedding == "block-adaptive")
        #expect(plan.configurations[1].location(of: "epochs") == "configurations[1].epochs (small)")
        #expect(plan.configurations[1].location(of: "validation") == "defaults.validation (used by small)")
        #expect(Set(runs.map(\.key)).count == runs.count)
        #expect(runs[0].key.hasPrefix("d-T10-base-s1-") && runs[0].key.count == "d-T10-base-s1-".count + 8)
    }

    @Test func runKeysChangeWithTheSettingsButNotWithDescriptionsOrTheDataFolder() throws {
        let directory = try DataTestDirectory()
        let key = try ExperimentPlan.load(path: try plan(directory)).runs[0].key
        let described = try ExperimentPlan.load(path: try plan(directory) {
            $0.replacingOccurrences(of: #"{"name": "base"}"#, with: #"{"name": "base", "description": "the baseline"}"#)
        }).runs[0].key
        let moved = try DataTestDirectory()
        try moved.write("data.txt", "1 1\n1 2\n1 3\n")
        let elsewhere = try ExperimentPlan.load(path: try plan(directory), dataRoot: moved.url.path).runs[0]
        let changed = try ExperimentPlan.load(path: try plan(directory) {
            $0.replacingOccurrences(of: #""epochs": 3"#, with: #""epochs": 5"#)
        }).runs[0].key
        #expect(described == key && elsewhere.key == key)
        #expect(elsewhere.dataset.resolvedPath == moved.path("data.txt"))
        #expect(changed != key && changed.hasPrefix("d-T10-base-s1-"))
    }

    /// The rank divisor became a number that need not be whole; a whole one must still be written
    /// `4`, not `4.0`, or every run key in an existing results file would change.
    @Test func aWholeRankDivisorKeepsTheRunKeysItHadAsAWholeNumber() throws {
        let directory = try DataTestDirectory()
        let run = try ExperimentPlan.load(path: try plan(directory)).runs[0]
        #expect(run.canonicalDescription.contains(#""rankDivisor":4,"#))
        // A default: the base configuration's full model does not use it, and records it all the same.
        let fractional = try ExperimentPlan.load(path: try plan(directory) {
            $0.replacingOccurrences(of: #""defaults": {"#, with: #""defaults": {"rankDivisor": 1.5, "#)
        }).runs[0]
        #expect(fractional.configuration.settings.model.rankDivisor == 1.5 && fractional.key != run.key)
    }

    @Test func aDataSetsOwnEpochsReplaceEveryConfigurationsAndEnterTheRunKeys() throws {
        let directory = try DataTestDirectory()
        let plain = try ExperimentPlan.load(path: try plan(directory)).runs
        let capped = try ExperimentPlan.load(path: try plan(directory) {
            $0.replacingOccurrences(of: #""format": "pairs"}"#, with: #""format": "pairs", "epochs": 1}"#)
        }).runs
        #expect(plain.map(\.configuration.settings.training.epochs) == [3, 3, 4, 4, 3, 3, 4, 4])
        #expect(capped.map(\.configuration.settings.training.epochs) == Array(repeating: 1, count: 8))
        #expect(zip(plain, capped).allSatisfy { $0.key != $1.key })
        try expectError({ $0.replacingOccurrences(of: #""format": "pairs"}"#, with: #""format": "pairs", "epochs": 0}"#) },
                        at: "datasets[0].epochs", containing: "at least 1")
    }

    @Test func aDataSetsWindowsEnterTheRunKeysOnlyWhenSet() throws {
        let directory = try DataTestDirectory()
        let plain = try ExperimentPlan.load(path: try plan(directory)).runs
        func edited(_ value: String) throws -> [ExperimentRun] {
            try ExperimentPlan.load(path: try plan(directory) {
                $0.replacingOccurrences(of: #""format": "pairs"}"#, with: #""format": "pairs", "windows": \#(value)}"#)
            }).runs
        }
        let off = try edited("false"), on = try edited("true")
        #expect(plain.allSatisfy { !$0.dataset.windows } && on.allSatisfy(\.dataset.windows))
        #expect(zip(plain, off).allSatisfy { $0.key == $1.key })
        #expect(zip(plain, on).allSatisfy { $0.key != $1.key })
        try expectError({ $0.replacingOccurrences(of: #""format": "pairs"}"#, with: #""format": "pairs", "windows": 1}"#) },
                        at: "datasets[0].windows", containing: "expected true or false")
    }

    @Test func dataRootIsResolvedAgainstThePlanFolder() throws {
        let directory = try DataTestDirectory()
        for folder in ["shared/data", "plans"] {
            try FileManager.default.createDirectory(atPath: directory.path(folder), withIntermediateDirectories: true)
        }
        try directory.write("shared/data/set.txt", "")
        try directory.write("plans/p.json", """
            {"dataRoot": "../shared/data", "datasets": [{"name": "s", "path": "set.txt"}], "lengths": [5],
             "configurations": [{"name": "c"}], "seeds": [0]}
            """)
        let plan = try ExperimentPlan.load(path: directory.path("plans/p.json"))
        #expect(plan.datasets[0].resolvedPath == directory.path("shared/data/set.txt"))
        #expect(plan.name == "p" && plan.seeds == [0])
    }

    @Test func missingKeysAreNamed() throws {
        try expectError({ $0.replacingOccurrences(of: #""seeds": [1, 2]"#, with: #""other": 1"#) }, at: "other", containing: "unknown key")
        try expectError({ $0.replacingOccurrences(of: "],\n  \"seeds\": [1, 2]", with: "]") },
                        at: "seeds", containing: "missing required key")
        try expectError({ $0.replacingOccurrences(of: #"{"name": "base"}"#, with: #"{"epochs": 2}"#) },
                        at: "configurations[0].name", containing: "missing required key")
        try expectError({ $0.replacingOccurrences(of: #""path": "data.txt", "#, with: "") },
                        at: "datasets[0].path", containing: "missing required key")
        try expectError({ $0.replacingOccurrences(of: #""lengths": [10, 20],"#, with: "") },
                        at: "lengths", containing: "give 'lengths' for the plan or for datasets[0] (d)")
    }

    @Test func unknownKeysAreNamedWithWhatIsAllowed() throws {
        try expectError({ $0.replacingOccurrences(of: #""inputEmbedding""#, with: #""inputEmbeding""#) },
                        at: "configurations[1].inputEmbeding", containing: "unknown key in configuration 'small'")
        try expectError({ $0.replacingOccurrences(of: #""epochs": 3,"#, with: #""epoch": 3,"#) },
                        at: "defaults.epoch", containing: "expected one of inputEmbedding")
        try expectError({ $0.replacingOccurrences(of: #""format": "pairs""#, with: #""fromat": "pairs""#) },
                        at: "datasets[0].fromat", containing: "expected one of name, description, path")
        try expectError({ $0.replacingOccurrences(of: #""name": "check","#, with: #""name": "check", "seed": 1,"#) },
                        at: "seed", containing: "unknown key")
    }

    @Test func wrongTypesAreNamedWithWhatWasFound() throws {
        try expectError({ $0.replacingOccurrences(of: #""epochs": 4"#, with: #""epochs": "4""#) },
                        at: "configurations[1].epochs", containing: #"expected a whole number, found the string "4""#)
        try expectError({ $0.replacingOccurrences(of: #""epochs": 4"#, with: #""epochs": 2.5"#) },
                        at: "configurations[1].epochs", containing: "expected a whole number, found the number 2.5")
        try expectError({ $0.replacingOccurrences(of: #""validation": false"#, with: #""validation": 0"#) },
                        at: "defaults.validation", containing: "expected true or false, found the number 0")
        try expectError({ $0.replacingOccurrences(of: #""lengths": [10, 20]"#, with: #""lengths": [10, "20"]"#) },
                        at: "lengths[1]", containing: "expected a whole number")
        try expectError({ $0.replacingOccurrences(of: #""lengths": [10, 20]"#, with: #""lengths": [10, 0]"#) },
                        at: "lengths[1]", containing: "at least 1")
        try expectError({ $0.replacingOccurrences(of: #""seeds": [1, 2]"#, with: #""seeds": 1"#) },
                        at: "seeds", containing: "expected an array, found the number 1")
        try expectError({ $0.replacingOccurrences(of: #"{"name": "base"}"#, with: #"{"name": "base", "learningRate": true}"#) },
                        at: "configurations[0].learningRate", containing: "expected a number, found true")
        try expectError({ $0.replacingOccurrences(of: #"{"name": "base"}"#, with: #"{"name": "base", "rankDivisor": 0.5}"#) },
                        at: "configurations[0].rankDivisor", containing: "at least 1, found 0.5")
        try expectError({ $0.replacingOccurrences(of: #""format": "pairs""#, with: #""format": "csv""#) },
                        at: "datasets[0].format", containing: "unknown format 'csv'")
        try expectError({ $0.replacingOccurrences(of: #"{"name": "base"}"#, with: #"{"name": "base line"}"#) },
                        at: "configurations[0].name", containing: "expected a name of letters")
        try expectError({ $0.replacingOccurrences(of: #"{"name": "small""#, with: #"{"name": "base""#) },
                        at: "configurations[1].name", containing: "'base' is used twice")
        try expectError({ "[" + $0 + "]" }, at: nil, containing: "expected an object, found an array")
        try expectError({ $0 + "}" }, at: nil, containing: "is not valid JSON")
    }

    @Test func claimsAreReadAndMustNameThePlansConfigurations() throws {
        func withClaims(_ claims: String) -> (String) -> String {
            { $0.replacingOccurrences(of: #""seeds": [1, 2]"#, with: #""seeds": [1, 2], "claims": "# + claims) }
        }
        let directory = try DataTestDirectory()
        let plan = try ExperimentPlan.load(path: try plan(directory, withClaims(
            #"[{"claim": "small keeps 96 %", "configuration": "small", "against": "base", "minimumChange": -0.04},"#
                + #" {"claim": "small's MRR", "configuration": "small", "against": "base", "metric": "mrr@10", "minimumChange": 0}]"#)))
        #expect(plan.claims == [
            PaperClaim(text: "small keeps 96 %", configuration: "small", against: "base", minimumChange: -0.04),
            PaperClaim(text: "small's MRR", configuration: "small", against: "base", metric: "mrr@10", minimumChange: 0),
        ])
        // Claims do not change the runs.
        let plain = try DataTestDirectory()
        #expect(plan.runs.map(\.key) == (try ExperimentPlan.load(path: try self.plan(plain))).runs.map(\.key))

        let valid = #""claim": "c", "configuration": "small", "against": "base""#
        try expectError(withClaims(#"[{"# + valid + #", "minimumChange": -0.04, "bound": 1}]"#),
                        at: "claims[0].bound", containing: "unknown key; expected one of claim, configuration, against")
        try expectError(withClaims(#"[{"claim": "c", "configuration": "smal", "against": "base", "minimumChange": 0}]"#),
                        at: "claims[0].configuration", containing: "no configuration named 'smal' in this plan; expected one of base, small")
        try expectError(withClaims(#"[{"claim": "c", "configuration": "base", "against": "base", "minimumChange": 0}]"#),
                        at: "claims[0].against", containing: "compares 'base' with itself")
        try expectError(withClaims(#"[{"# + valid + #", "metric": "ndcg@50", "minimumChange": 0}]"#),
                        at: "claims[0].metric", containing: "unknown metric 'ndcg@50'; expected one of ndcg@10, hr@10, mrr@10")
        try expectError(withClaims(#"[{"# + valid + #", "minimumChange": -4}]"#),
                        at: "claims[0].minimumChange", containing: "expected a relative change above -1 (-0.04 for 'within 4 %'), found -4")
        try expectError(withClaims(#"[{"# + valid + #"}]"#), at: "claims[0].minimumChange", containing: "missing required key")
        try expectError(withClaims(#"[{"claim": " ", "configuration": "small", "against": "base", "minimumChange": 0}]"#),
                        at: "claims[0].claim", containing: "found an empty string")
        try expectError(withClaims(#"{}"#), at: "claims", containing: "expected an array, found an object")
    }

    @Test func anEmptyGridIsRefusedNamingTheEmptyKey() throws {
        try expectError({ $0.replacingOccurrences(of: #""seeds": [1, 2]"#, with: #""seeds": []"#) }, at: "seeds", containing: "empty grid")
        try expectError({ $0.replacingOccurrences(of: #""lengths": [10, 20]"#, with: #""lengths": []"#) }, at: "lengths", containing: "empty grid")
        try expectError({ $0.replacingOccurrences(of: #"[{"name": "base"}, {"name": "small", "inputEmbedding": "block-adaptive", "epochs": 4}]"#, with: "[]") },
                        at: "configurations", containing: "empty grid")
        try expectError({ $0.replacingOccurrences(of: #"[{"name": "d", "path": "data.txt", "format": "pairs"}]"#, with: "[]") },
                        at: "datasets", containing: "empty grid")
    }

    @Test func aMissingDataFileIsNamedWithTheResolvedPath() throws {
        let directory = try DataTestDirectory()
        let path = try plan(directory) { $0.replacingOccurrences(of: #""path": "data.txt""#, with: #""path": "nowhere/gone.txt", "test": "data.txt""#) }
        ExperimentTestSupport.expectInputError(source: path, location: "datasets[0].path", containing: "no data file at \(directory.path("nowhere/gone.txt"))") {
            _ = try ExperimentPlan.load(path: path)
        }
        let test = try plan(directory) { $0.replacingOccurrences(of: #""path": "data.txt""#, with: #""path": "data.txt", "test": "t.txt""#) }
        ExperimentTestSupport.expectInputError(source: test, location: "datasets[0].test", containing: "no data file") {
            _ = try ExperimentPlan.load(path: test)
        }
        ExperimentTestSupport.expectInputError(source: directory.path("absent.json"), location: nil, containing: "cannot read the plan file") {
            _ = try ExperimentPlan.load(path: directory.path("absent.json"))
        }
    }

    @Test func variantsThisBuildLacksAreRefusedBeforeAnyRun() throws {
        let directory = try DataTestDirectory()
        let path = try plan(directory) {
            $0.replacingOccurrences(of: #""inputEmbedding": "block-adaptive""#, with: #""inputEmbedding": "tensor-train", "inputRatio": 16"#)
              .replacingOccurrences(of: #"{"name": "base"}"#, with: #"{"name": "base", "sharing": "cross-everything"}"#)
        }
        let plan = try ExperimentPlan.load(path: path)  // parses: the variant is only unknown to this build
        ExperimentTestSupport.expectInputError(source: path, location: "configurations[0].sharing (base)",
                                               containing: "'cross-everything' is not a sharing scheme this build has (it has none, cross-layer") {
            try plan.checkRunnable()
        }
        #expect(plan.unrunnableReason(plan.configurations[1]) ==
                "configurations[1].inputEmbedding (small): 'tensor-train' is not an input embedding this build has (it has \(InputEmbeddingKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        let output = directory.path("out")
        #expect(throws: InputError.self) { _ = try ExperimentRunner(plan: plan, outputDirectory: output).run() }
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    /// A key a configuration sets itself is given, as a flag typed on the command line: it must
    /// apply to the configuration's model. A default applies only where it does, but to some
    /// configuration; the data set's epochs are the grid's, not given.
    @Test func aConfigurationsOwnKeysMustApplyToItsModelAndEachDefaultToSomeConfiguration() throws {
        func own(_ configuration: String, _ keys: String) -> (String) -> String {
            { $0.replacingOccurrences(of: #"{"name": "\#(configuration)""#, with: #"{"name": "\#(configuration)", \#(keys)"#) }
        }
        func defaults(_ keys: String) -> (String) -> String {
            { $0.replacingOccurrences(of: #""defaults": {"#, with: #""defaults": {\#(keys), "#) }
        }
        try expectError(own("base", #""cutoffs": "auto:3""#), at: "configurations[0].cutoffs", containing:
            "cutoffs applies to a block-adaptive or mixed-dim input embedding or a tree-softmax or mixed-dim output layer, "
            + "and the input embedding is full and the output layer is full-softmax")
        try expectError(own("base", #""rankDivisor": 4"#), at: "configurations[0].rankDivisor", containing:
            "rankDivisor applies to a block-adaptive input embedding or a tree-softmax output layer")
        try expectError(own("small", #""buckets": 8"#), at: "configurations[1].buckets", containing:
            "buckets applies to a memcom or hashing input embedding, and the input embedding is block-adaptive")
        try expectError(defaults(#""outputRank": 8"#), at: "defaults.outputRank", containing: "no configuration uses it")
        try expectError(defaults(#""patience": 2"#), at: "defaults.patience", containing: "patience needs a validation split")
        try expectError(own("small", #""inputRatio": 4, "rankDivisor": 2"#), at: "configurations[1].inputRatio",
                        containing: "inputRatio conflicts with the rank divisor (rankDivisor)")

        // Defaults only the block-adaptive configuration uses reach it; a default rank divisor yields to its own ratio.
        let directory = try DataTestDirectory()
        let plan = try ExperimentPlan.load(path: try plan(directory, { own("small", #""inputRatio": 4"#)(defaults(#""cutoffs": "1,2", "rankDivisor": 2"#)($0)) }))
        #expect(plan.configurations.map(\.given) == [[], [.inputEmbedding, .epochs, .inputRatio]])
        #expect(plan.configurations.map(\.settings.model.cutoffs) == ["1,2", "1,2"] && plan.configurations[1].settings.model.rankDivisor == 2)
        #expect(plan.configurations[0].path(of: "cutoffs") == "defaults.cutoffs" && plan.configurations[1].path(of: nil) == "configurations[1]")
        let capped = try ExperimentPlan.load(path: try self.plan(directory) {
            $0.replacingOccurrences(of: #""format": "pairs"}"#, with: #""format": "pairs", "epochs": 1}"#)
        })
        #expect(capped.runs.allSatisfy { $0.configuration.given == ($0.configuration.name == "base" ? [] : [.inputEmbedding, .epochs]) })
    }

    /// A run's specification is its configuration's settings with the grid's data, length and seed.
    @Test func aRunsSpecificationTakesTheGridsDataLengthAndSeed() throws {
        let directory = try DataTestDirectory()
        let run = try ExperimentPlan.load(path: try plan(directory) {
            $0.replacingOccurrences(of: #""format": "pairs"}"#, with: #""format": "pairs", "windows": true}"#)
        }).runs[7]
        var expected = RunSpecification()
        expected.data.file = directory.path("data.txt")
        expected.data.format = .pairs
        expected.data.validation = false
        expected.model.maxLength = 20
        expected.model.inputEmbedding = VariantName(.blockAdaptive)
        expected.training.epochs = 4
        expected.training.seed = 2
        expected.training.trainWindows = true
        #expect(run.configuration.name == "small" && run.specification == expected)
    }

    @Test func settingsDefaultToWhatTheTrainCommandBuilds() throws {
        let settings = ExperimentSettings()
        let config = try settings.configuration(itemCount: 50, frequencies: Array(repeating: 1, count: 50), maxLength: 20)
        #expect(config == ModelConfiguration(itemCount: 50, maxLength: 20))
        var defaults = TrainingOptions()
        defaults.seed = 9
        defaults.learningRate = 0.003
        var seeded = settings.specification
        seeded.training.seed = 9
        #expect(seeded.trainingOptions == defaults)
        #expect(settings.data.validation && settings.model.cutoffs == "auto:3")

        var compressed = ExperimentSettings()
        compressed.model.outputLayer = "tree-softmax"
        compressed.model.cutoffs = "10,30"
        compressed.model.rankDivisor = 2
        compressed.model.embeddingSize = 16
        let tree = try compressed.configuration(itemCount: 50, frequencies: Array(repeating: 1, count: 50), maxLength: 7)
        #expect(tree.cutoffs == [10, 30, 50] && tree.rankDivisor == 2 && tree.outputLayer == .treeSoftmax && tree.maxLength == 7)
        compressed.model.cutoffs = "60"
        #expect(throws: RunSpecificationError.self) {
            _ = try compressed.configuration(itemCount: 50, frequencies: Array(repeating: 1, count: 50), maxLength: 7)
        }
    }
}
