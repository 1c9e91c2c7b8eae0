import Foundation
import CompactRecTestSupport
import Testing

@testable import CompactRec
@testable import CompactRecRuntime
@testable import CompactRecExperiments

@Suite("Plan selection")
struct PlanSelectionTests {
    /// Two data sets (the second with its own lengths), two configurations, three seeds: 2·2·3 + 1·2·3 runs.
    private func plan() throws -> ExperimentPlan {
        let directory = try DataTestDirectory()
        try directory.write("a.txt", "1 1\n1 2\n1 3\n")
        try directory.write("b.txt", "1 1\n1 2\n1 3\n")
        let path = try directory.write("plan.json", """
            {
              "name": "grid",
              "datasets": [{"name": "a", "path": "a.txt", "format": "pairs"},
                           {"name": "b", "path": "b.txt", "format": "pairs", "lengths": [50]}],
              "lengths": [10, 20],
              "defaults": {"epochs": 1, "validation": false},
              "configurations": [{"name": "base"}, {"name": "small", "inputEmbedding": "block-adaptive"}],
              "seeds": [1, 2, 3]
            }
            """)
        return try ExperimentPlan.load(path: path)
    }

    private func keys(_ plan: ExperimentPlan) -> [String] { plan.runs.map(\.key) }

    @Test func anEmptySelectionKeepsTheWholeGrid() throws {
        let whole = try plan()
        #expect(PlanSelection().isEverything)
        #expect(keys(try whole.selecting(PlanSelection())) == keys(whole))
        #expect(whole.runs.count == 18)
    }

    @Test func aPartKeepsTheWholePlansKeysAndOrder() throws {
        let whole = try plan()
        let part = try whole.selecting(PlanSelection(configurations: ["small"], seeds: [3, 1]))
        // In the plan's order (seed 1 before 3), whatever the order asked for.
        #expect(part.runs.map { "\($0.dataset.name) \($0.length) \($0.configuration.name) \($0.seed)" } == [
            "a 10 small 1", "a 10 small 3", "a 20 small 1", "a 20 small 3", "b 50 small 1", "b 50 small 3",
        ])
        let wholeKeys = keys(whole)
        #expect(keys(part).allSatisfy(wholeKeys.contains))
        // The filter is exact: the same runs picked out of the whole grid by their fields.
        let expected = whole.runs.filter { $0.configuration.name == "small" && $0.seed != 2 }.map(\.key)
        #expect(keys(part) == expected)
    }

    @Test func lengthsAreCutPerDataSetAndDataSetsWithoutThemDropped() throws {
        let whole = try plan()
        let twenty = try whole.selecting(PlanSelection(lengths: [20]))
        #expect(twenty.datasets.map(\.name) == ["a"] && twenty.datasets[0].lengths == [20])
        #expect(twenty.runs.count == 2 * 3)
        let fifty = try whole.selecting(PlanSelection(datasets: ["b"], lengths: [50], seeds: [2]))
        #expect(fifty.runs.map(\.key) == whole.runs.filter { $0.dataset.name == "b" && $0.seed == 2 }.map(\.key))
    }

    @Test func namesThePlanDoesNotHaveAreRefusedWithWhatItHas() throws {
        let whole = try plan()
        ExperimentTestSupport.expectInputError(source: "--dataset", location: nil, containing: "plan 'grid' has no data set c; it has a, b") {
            _ = try whole.selecting(PlanSelection(datasets: ["a", "c"]))
        }
        ExperimentTestSupport.expectInputError(source: "--configuration", location: nil, containing: "has no configuration large; it has base, small") {
            _ = try whole.selecting(PlanSelection(configurations: ["large"]))
        }
        ExperimentTestSupport.expectInputError(source: "--seed", location: nil, containing: "has no seed 4; it has 1, 2, 3") {
            _ = try whole.selecting(PlanSelection(seeds: [4]))
        }
        ExperimentTestSupport.expectInputError(source: "--length", location: nil, containing: "plan 'grid' has no length 100; it has 10, 20, 50") {
            _ = try whole.selecting(PlanSelection(lengths: [100]))
        }
        // A length of another data set is not one of the selected data set's.
        ExperimentTestSupport.expectInputError(
            source: "--length", location: nil, containing: "plan 'grid' with data set a has no length 50; it has 10, 20"
        ) {
            _ = try whole.selecting(PlanSelection(datasets: ["a"], lengths: [50]))
        }
    }
}
