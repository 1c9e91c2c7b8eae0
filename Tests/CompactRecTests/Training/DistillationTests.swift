import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// Distillation: the fused loss and gradient against a Double reference, the whole model's
/// gradient with a teacher against finite differences, and the checks of a teacher.
@Suite("Distillation")
struct DistillationTests {
    /// (1 − α)·CE + α·τ²·KL(softmax(t/τ) ‖ softmax(z/τ)) of one row, and its gradient, in Double.
    static func reference(_ z: [Double], teacher t: [Double], target: Int, weight a: Double, temperature tau: Double)
        -> (loss: Double, gradient: [Double])
    {
        func softmax(_ x: [Double]) -> [Double] {
            let top = x.max()!
            let e = x.map { exp($0 - top) }
            let s = e.reduce(0, +)
            return e.map { $0 / s }
        }
        let p = softmax(z), s = softmax(z.map { $0 / tau }), q = softmax(t.map { $0 / tau })
        let ce = -log(p[target])
        let kl = zip(q, s).reduce(0) { $0 + $1.0 * (log($1.0) - log($1.1)) }
        let gradient = z.indices.map { i in (1 - a) * (p[i] - (i == target ? 1 : 0)) + a * tau * (s[i] - q[i]) }
        return ((1 - a) * ce + a * tau * tau * kl, gradient)
    }

    @Test(arguments: [(Float(0.5), Float(1)), (Float(0.3), Float(2)), (Float(0), Float(1)), (Float(1), Float(4))])
    func theFusedLossAndGradientMatchTheFormula(weight: Float, temperature: Float) {
        var rng = SeededGenerator(seed: 9)
        let M = 3, N = 37
        let z = (0..<(M * N)).map { _ in rng.nextNormal() * 2 }
        let t = (0..<(M * N)).map { _ in rng.nextNormal() * 3 }
        let bias = (0..<N).map { _ in rng.nextNormal() * 0.5 }
        let targets: [Int32] = [4, 0, 36]
        var logits = z, teacher = t, biasGradient = [Float](repeating: 0, count: N)
        let scale: Float = 1 / Float(M)
        let total = logits.withUnsafeMutableBufferPointer { l in
            teacher.withUnsafeMutableBufferPointer { tt in
                SoftmaxCrossEntropy.rowsForwardBackward(
                    logits: l.baseAddress!, bias: bias, targets: targets, rows: 0..<M, width: N, scale: scale,
                    biasGradient: &biasGradient,
                    teacher: TeacherLogits(logits: tt.baseAddress!, weight: weight, temperature: temperature))
            }
        }
        var expectedTotal = 0.0, expectedBias = [Double](repeating: 0, count: N)
        for r in 0..<M {
            let row = (0..<N).map { Double(z[r * N + $0]) + Double(bias[$0]) }
            let (loss, gradient) = Self.reference(row, teacher: (0..<N).map { Double(t[r * N + $0]) }, target: Int(targets[r]),
                                                  weight: Double(weight), temperature: Double(temperature))
            expectedTotal += loss
            for i in 0..<N {
                let g = gradient[i] * Double(scale)
                #expect(abs(Double(logits[r * N + i]) - g) < 2e-6, "row \(r) item \(i): \(logits[r * N + i]) vs \(g)")
                expectedBias[i] += g
            }
        }
        #expect(abs(total - expectedTotal) < 1e-4 * max(1, expectedTotal), "\(total) vs \(expectedTotal)")
        for i in 0..<N { #expect(abs(Double(biasGradient[i]) - expectedBias[i]) < 5e-6) }
    }

    @Test(arguments: [false, true])
    func theStudentsGradientWithATeacherMatchesFiniteDifferences(tiedSASRecStudent: Bool) {
        let T = 6, B = 2, N = 11
        let student = tiedSASRecStudent ? SASRecTests.model(layers: 1, tied: true) : ModelTestSupport.model(items: N, length: T, seed: 5)
        let teacher = Teacher(model: ModelTestSupport.model(items: N, channels: 6, length: T, seed: 8), weight: 0.4, temperature: 2)
        let (inputs, targets) = ModelTestSupport.trainingBatch(SASRecTests.sequences, length: T)
        let loss = { () -> Double in
            student.zeroGradients()
            return Double(student.trainingStep(inputs: inputs, targets: targets, batch: B, length: T, dropoutSeed: 1, teacher: teacher)!)
        }
        let withTeacher = loss()
        let analytic = student.uniqueWeights().map { LayerTestSupport.doubles($0.weight.gradient) }
        student.zeroGradients()
        let plain = Double(student.trainingStep(inputs: inputs, targets: targets, batch: B, length: T, dropoutSeed: 1)!)
        #expect(abs(withTeacher - plain) > 1e-3, "the teacher changes the loss")
        let check = GradientCheck(step: 2e-3, absoluteTolerance: 2e-4, relativeTolerance: 2e-3, maximumEntries: 24)
        for (p, gradient) in zip(student.uniqueWeights(), analytic) {
            var entries = check.entries(count: p.weight.count)
            if p.name == "item_embedding.weight" && !tiedSASRecStudent { entries.removeAll { $0 < student.configuration.embeddingSize } }
            let keyBias = p.name.hasSuffix("attention.key.bias")
            // NextItNet's ReLUs may sit near a kink at these weights; the output layer's parameters are smooth.
            if !tiedSASRecStudent && !p.name.hasPrefix("output") { continue }
            check.expectMatches(p.name, values: p.weight.value, analytic: gradient, entries: entries, mayBeZero: keyBias, loss)
        }
    }

    @Test func aTeacherOfAnotherCatalogueIsRefusedNamingTheFirstDifference() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let model = ModelTestSupport.model(items: 4, length: 5)
            let vocabulary = try Vocabulary(originalIds: ["<pad>", "b", "a", "c"], frequencies: [0, 3, 2, 1])
            try ModelBundle(model: model, vocabulary: vocabulary, training: nil, data: [:]).write(to: directory + "/teacher")
            let path = directory + "/data.txt"
            try "a b c\na c b\nb a c a\n".write(toFile: path, atomically: true, encoding: .utf8)
            let data = try SequenceDataset.load(path: path, testPath: nil, format: .seq, validation: false)
            #expect(data.vocabulary.originalIds != vocabulary.originalIds)
            #expect { try TeacherSource(directory: directory + "/teacher", for: data, names: .planKeys) } throws: {
                ($0 as? RunSpecificationError)?.setting == .teacher && "\($0)".contains("was trained on another catalogue: item 1 is 'b' there and 'a' here")
            }
        }
    }

    @Test func distillationSettingsNeedATeacherAndAStudentThatScoresEveryItem() throws {
        var specification = RunSpecification()
        #expect { try specification.validate(given: [.temperature], names: .planKeys) } throws: {
            ($0 as? RunSpecificationError)?.setting == .temperature
        }
        specification.training.teacher = "runs/teacher"
        try specification.validate(given: [.teacher, .temperature, .distillWeight], names: .planKeys)
        specification.training.distillWeight = 1.5
        #expect(throws: RunSpecificationError.self) { try specification.validate(given: [.teacher, .distillWeight], names: .planKeys) }
        specification.training.distillWeight = 0.5
        specification.model.outputLayer = VariantName(.treeSoftmax)
        #expect { try specification.validate(given: [.teacher, .outputLayer], names: .planKeys) } throws: {
            ($0 as? RunSpecificationError)?.setting == .teacher
        }
    }
}
