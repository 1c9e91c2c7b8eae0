import Testing

@testable import CompactRec
@testable import CompactRecRuntime

@Suite("Batching")
struct BatchingTests {
    static func trainingRow(_ sequence: [Int32], length T: Int) -> (inputs: [Int32], targets: [Int32]) {
        var inputs = [Int32](repeating: -7, count: T + 2), targets = [Int32](repeating: -7, count: T + 2)
        inputs.withUnsafeMutableBufferPointer { x in
            targets.withUnsafeMutableBufferPointer { y in
                // One slot on each side, to catch writes outside the row.
                Batching.fillTrainingRow(sequence, length: T, inputs: x.baseAddress! + 1, targets: y.baseAddress! + 1)
            }
        }
        #expect(inputs.first == -7 && inputs.last == -7 && targets.first == -7 && targets.last == -7,
                "fillTrainingRow wrote outside its row")
        return (Array(inputs[1...T]), Array(targets[1...T]))
    }

    static func historyRow(_ history: [Int32], length T: Int) -> [Int32] {
        var row = [Int32](repeating: -7, count: T + 2)
        row.withUnsafeMutableBufferPointer { HistoryWindow.fill(history, length: T, row: $0.baseAddress! + 1) }
        #expect(row.first == -7 && row.last == -7, "HistoryWindow.fill wrote outside its row")
        return Array(row[1...T])
    }

    @Test func aShortSequenceIsLeftPadded() {
        // T = 6: the padded window is [0, 0, 0, 4, 8, 15, 16].
        let row = Self.trainingRow([4, 8, 15, 16], length: 6)
        #expect(row.inputs == [0, 0, 0, 4, 8, 15])
        #expect(row.targets == [0, 0, 4, 8, 15, 16])
    }

    @Test func aSequenceOfExactlyTPlusOneItemsFillsTheRow() {
        let row = Self.trainingRow([5, 6, 7, 8, 9], length: 4)
        #expect(row.inputs == [5, 6, 7, 8])
        #expect(row.targets == [6, 7, 8, 9])
    }

    @Test func aLongSequenceKeepsItsMostRecentTPlusOneItems() {
        let row = Self.trainingRow([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], length: 4)
        #expect(row.inputs == [6, 7, 8, 9])
        #expect(row.targets == [7, 8, 9, 10])
    }

    @Test func edgeCases() {
        // One item: nothing to predict from a real item, but the item itself is predicted from padding.
        let one = Self.trainingRow([3], length: 3)
        #expect(one.inputs == [0, 0, 0] && one.targets == [0, 0, 3])
        let empty = Self.trainingRow([], length: 3)
        #expect(empty.inputs == [0, 0, 0] && empty.targets == [0, 0, 0])
        let exactlyT = Self.trainingRow([2, 4, 6], length: 3)
        #expect(exactlyT.inputs == [0, 2, 4] && exactlyT.targets == [2, 4, 6])
        let single = Self.trainingRow([9, 8, 7], length: 1)
        #expect(single.inputs == [8] && single.targets == [7])
    }

    @Test func targetsAreTheInputsShiftedByOne() {
        var rng = SeededGenerator(seed: 21)
        for _ in 0..<200 {
            let T = 1 + Int(rng.next() % 9)
            let count = Int(rng.next() % 15)
            let sequence = (0..<count).map { _ in Int32(1 + rng.next() % 50) }
            let row = Self.trainingRow(sequence, length: T)
            #expect(Array(row.inputs.dropFirst()) == Array(row.targets.dropLast()))
            // The row is the left-padded tail of the sequence: w = [0…0] + last min(count, T+1) items.
            let window = Array(sequence.suffix(T + 1))
            let padded = [Int32](repeating: 0, count: T + 1 - window.count) + window
            #expect(row.inputs == Array(padded[0..<T]) && row.targets == Array(padded[1...T]))
            #expect(row.targets.last == sequence.last ?? 0)
        }
    }

    @Test func longHistoriesAreCutIntoWindowsEndingTApart() {
        // 12 items, T = 4: windows end at 12, 8, 4; each holds T + 1 items, the oldest is padded.
        let sequence = (1...12).map(Int32.init)
        #expect(Batching.trainingWindows(sequence, length: 4) == [[1, 2, 3, 4], [4, 5, 6, 7, 8], [8, 9, 10, 11, 12]])
        // 6 items, T = 4: ends 6 and 2; the second window holds items 1 and 2 only.
        #expect(Batching.trainingWindows([1, 2, 3, 4, 5, 6], length: 4) == [[1, 2], [2, 3, 4, 5, 6]])
        #expect(Batching.trainingWindows([7, 8, 9], length: 4) == [[7, 8, 9]])
        // Exactly T + 1 items: the full window leaves the first item an input only, so a padded
        // one-item window predicts it.
        #expect(Batching.trainingWindows([7, 8, 9, 10, 11], length: 4) == [[7], [7, 8, 9, 10, 11]])
        #expect(Batching.trainingWindows([7, 8, 9, 10], length: 4) == [[7, 8, 9, 10]])
        #expect(Batching.trainingWindows([], length: 4) == [])
        #expect(Batching.trainingWindows([5, 6, 7], length: 1) == [[5], [5, 6], [6, 7]])
    }

    @Test func windowsMakeEveryItemATargetExactlyOnceAfterTheSameHistoryAsTheWholeSequence() {
        var rng = SeededGenerator(seed: 33)
        for _ in 0..<300 {
            let T = 1 + Int(rng.next() % 8)
            let count = Int(rng.next() % 40)
            // Distinct items, so a target's position in the sequence is known from its value.
            let sequence = (0..<count).map { Int32(1 + $0) }
            var targetsSeen: [Int32] = []
            for window in Batching.trainingWindows(sequence, length: T) {
                #expect(window.count <= T + 1)
                let row = Self.trainingRow(window, length: T)
                for (t, target) in row.targets.enumerated() where target != 0 {
                    targetsSeen.append(target)
                    // The inputs up to t are the sequence's items before the target (as many as fit),
                    // or padding where the sequence starts.
                    let position = Int(target) - 1
                    let context = row.inputs[0...t].filter { $0 != 0 }
                    let expected = sequence[max(0, position - context.count)..<position]
                    #expect(Array(context) == Array(expected), "T \(T) count \(count) target \(target)")
                }
            }
            #expect(targetsSeen == sequence, "T \(T) count \(count)")
        }
    }

    @Test func historyRowsArePaddedOrTruncatedToTheMostRecentT() {
        #expect(Self.historyRow([7, 3], length: 5) == [0, 0, 0, 7, 3])
        #expect(Self.historyRow([1, 2, 3, 4, 5], length: 5) == [1, 2, 3, 4, 5])
        #expect(Self.historyRow([1, 2, 3, 4, 5, 6, 7], length: 5) == [3, 4, 5, 6, 7])
        #expect(Self.historyRow([], length: 3) == [0, 0, 0])
        #expect(Self.historyRow([9, 8], length: 1) == [8])
    }

    @Test func epochOrderIsASeededPermutation() {
        for count in [0, 1, 2, 7, 100, 1000] {
            var rng = SeededGenerator(seed: 5)
            let order = Batching.epochOrder(count: count, using: &rng)
            #expect(order.sorted() == Array(0..<count), "count \(count)")
        }
        func order(seed: UInt64, count: Int = 100) -> [Int] {
            var rng = SeededGenerator(seed: seed)
            return Batching.epochOrder(count: count, using: &rng)
        }
        #expect(order(seed: 5) == order(seed: 5))
        #expect(order(seed: 5) != order(seed: 6))
        #expect(order(seed: 5) != Array(0..<100))
        // Successive epochs from one generator differ too.
        var rng = SeededGenerator(seed: 5)
        let first = Batching.epochOrder(count: 100, using: &rng)
        let second = Batching.epochOrder(count: 100, using: &rng)
        #expect(first == order(seed: 5) && first != second)

        // Every position receives every item about equally often (a biased shuffle would not).
        var counts = [[Int]](repeating: [Int](repeating: 0, count: 4), count: 4)
        var shared = SeededGenerator(seed: 99)
        for _ in 0..<4000 {
            for (position, item) in Batching.epochOrder(count: 4, using: &shared).enumerated() { counts[position][item] += 1 }
        }
        #expect(counts.joined().allSatisfy { (850...1150).contains($0) }, "\(counts)")
    }
}
