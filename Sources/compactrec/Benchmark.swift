import ArgumentParser
import CompactRec
import Foundation

struct Benchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure training speed, evaluation speed and recommend latency, beside this machine's sgemm rate.",
        discussion: """
        Trains the given configuration for --steps steps after --warmup steps, scores --eval-users \
        test cases with full ranking, and times --requests single-history top-10 recommendations. \
        The sgemm rate is measured in the same run, so the ratio holds across machines.
        """)

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var modelOptions: ModelOptions
    @Option(name: .flag(.batchSize), help: .withDefault("Sequences per batch.", \.training.batchSize)) var batchSize: Int?
    @Option(help: "Timed training steps.") var steps = 30
    @Option(help: "Untimed training steps first.") var warmup = 3
    @Option(help: "Test cases to score for the evaluation speed.") var evalUsers = 2000
    @Option(help: "Single-history recommend requests to time.") var requests = 100
    @Option(name: .flag(.seed), help: .withDefault("Random seed.", \.training.seed)) var seed: UInt64?
    @Option(help: "Measure inference of this trained model bundle instead of training: evaluation and recommend, with the tree softmax's early stop and with every item scored.")
    var model: String?
    @Option(help: "With --model: exact top-10 over a catalogue of this many items made by stretching the model's output layer (e.g. 2000000), full scan against block bounds, fp32, fp16 and int8, one thread.")
    var catalogueItems: Int?
    @OptionGroup var runtime: RuntimeOptions

    /// Each count is checked here because the measurement divides by it or takes a percentile
    /// of what it timed: 0 steps gave a NaN speed (and `{}` for `--json`), 0 requests a trap.
    /// The model and its batch size are checked as `train` checks them.
    func validate() throws {
        for (flag, value, least) in [("--steps", steps, 1), ("--warmup", warmup, 0), ("--eval-users", evalUsers, 1),
                                     ("--requests", requests, 1)] where value < least {
            throw ValidationError("\(flag) must be at least \(least); got \(value)")
        }
        if let catalogueItems {
            guard model != nil else { throw ValidationError("--catalogue-items needs --model (the model whose output layer is stretched)") }
            guard catalogueItems >= 2 && catalogueItems <= 50_000_000 else {
                throw ValidationError("--catalogue-items must be from 2 to 50,000,000; got \(catalogueItems)")
            }
        }
        do { _ = try trainingRun() } catch let error as RunSpecificationError { throw ValidationError(error.message) }
    }

    /// The model the flags ask for, trained with their batch size and seed.
    func trainingRun() throws -> TrainingRun {
        var flags = FlagSpecification()
        dataOptions.specify(&flags)
        try modelOptions.specify(&flags)
        flags.set(.batchSize, \.training.batchSize, batchSize)
        flags.set(.seed, \.training.seed, seed)
        return try flags.run()
    }

    func run() throws {
        runtime.apply()
        if let model, let catalogueItems { return try measureLargeCatalogue(bundlePath: model, items: catalogueItems) }
        if let model { return try measureInference(bundlePath: model) }
        let run = try trainingRun()
        let setup = try run.setUp(try run.loadData())
        let data = setup.data, config = setup.configuration, maxLength = config.maxLength
        let batchSize = setup.options.batchSize, seed = setup.options.seed
        let session = setup.makeModel()
        let model = session.model, trainer = session.trainer
        var rng = SeededGenerator(seed: seed)
        let order = Batching.epochOrder(count: data.train.count, using: &rng)

        // Training: sequences/s and useful GFLOP/s (the products a step must do).
        var flops = 0.0, timedSequences = 0
        var trainSeconds = 0.0
        let clock = TrainingPhaseClock()
        trainer.phaseClock = clock
        for step in 0..<(warmup + steps) {
            if step == warmup { clock.reset() }
            let start = (step * batchSize) % max(data.train.count - batchSize, 1)
            let batch = order[start..<min(start + batchSize, data.train.count)].map { data.train[$0] }
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = trainer.step(on: batch)
            let dt = seconds(since: t0)
            if step >= warmup {
                trainSeconds += dt
                timedSequences += batch.count
                let rows = Double(batch.count * maxLength)
                flops += outputFlops(batch, config) + config.encoder.trainingFlops(rows: rows, channels: config.embeddingSize, maxLength: config.maxLength)
            }
        }
        let trainSpeed = Double(timedSequences) / trainSeconds
        let stepGflops = flops / trainSeconds / 1e9

        let sgemmSquare = MachineInfo.sgemmRate(m: 2048, n: 2048, k: 2048)
        let sgemmLogits = MachineInfo.sgemmRate(m: 1024, n: config.itemCount, k: config.embeddingSize)

        let cases = Array(data.test.prefix(evalUsers))
        let evalStart = DispatchTime.now().uptimeNanoseconds
        _ = Evaluator.evaluate(model, cases: cases)
        let evalSpeed = Double(cases.count) / seconds(since: evalStart)

        var latencies: [Double] = []
        for i in 0..<(requests + 5) {
            let history = data.test[i % data.test.count].history
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = model.recommend(history: history, count: 10)
            if i >= 5 { latencies.append(seconds(since: t0) * 1000) }
        }
        latencies.sort()
        let p50 = latencies[latencies.count / 2], p90 = latencies[latencies.count * 9 / 10]

        let results: [String: Any] = [
            "cpu": MachineInfo.cpuName, "blas": BLAS.kernels, "row_kernels": RowKernels.name, "threads": runtime.threads,
            "items": config.itemCount - 1, "train_seq_per_s": trainSpeed, "train_step_gflops": stepGflops,
            "sgemm_gflops_2048": sgemmSquare, "sgemm_gflops_logits_shape": sgemmLogits,
            "train_fraction_of_sgemm": stepGflops / sgemmSquare, "eval_users_per_s": evalSpeed,
            "latency_ms_p50": p50, "latency_ms_p90": p90,
            "params": ParameterAccounting(model: model).total,
            "train_step_phase_ms": clock.millisecondsPerStep,
        ]
        if runtime.json {
            Output.json(results)
        } else {
            print("machine: \(MachineInfo.cpuName), \(BLAS.kernels), row kernels \(RowKernels.name), \(Output.threads(runtime.threads))")
            print(String(format: "sgemm: %.1f GFLOP/s at 2048², %.1f GFLOP/s at [1024,%d]x[%d,%d]",
                         sgemmSquare, sgemmLogits, config.embeddingSize, config.embeddingSize, config.itemCount))
            print(String(format: "training: %.0f sequences/s, %.1f GFLOP/s useful = %.0f%% of the 2048² sgemm rate",
                         trainSpeed, stepGflops, 100 * stepGflops / sgemmSquare))
            let phases = clock.millisecondsPerStep
            print("  a step's phases, ms: " + TrainingPhaseClock.Phase.allCases.map {
                String(format: "%@ %.1f", $0.name.replacingOccurrences(of: "_", with: " "), phases[$0.name]!)
            }.joined(separator: ", "))
            print(String(format: "evaluation: %.0f users/s (full ranking)", evalSpeed))
            print(String(format: "recommend top-10, one history: p50 %.3f ms, p90 %.3f ms over %d requests", p50, p90, requests))
        }
    }

    /// Inference on a trained bundle: the early stop against scoring every item, same model, same cases.
    func measureInference(bundlePath: String) throws {
        let bundle = try ModelBundle.readNotingUncheckedFiles(from: bundlePath)
        let data = try trainingRun().readFiles()
        let cases = Array(mapCases(data.test, from: data.vocabulary, to: bundle.vocabulary).cases.prefix(evalUsers))
        guard !cases.isEmpty else { throw ValidationError("no test case of the data is known to the model") }
        let model = bundle.model, config = model.configuration
        var statistics = RankingStatistics(), unused = RankingStatistics()

        func timed(_ body: () -> Void) -> Double {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            return seconds(since: t0)
        }
        var earlyMetrics = RankingMetrics(), fullMetrics = RankingMetrics()
        // One untimed pass of each route first, so no timing pays for first-touch pages and thread start-up.
        let warmUp = Array(cases.prefix(512))
        for (earlyStop, tailBounds) in [(true, true), (false, false), (true, false)] {
            _ = Evaluator.evaluate(model, cases: warmUp, statistics: &unused, earlyStop: earlyStop, tailBounds: tailBounds)
        }
        let earlyEval = timed { earlyMetrics = Evaluator.evaluate(model, cases: cases, statistics: &statistics) }
        let fullEval = timed { fullMetrics = Evaluator.evaluate(model, cases: cases, statistics: &unused, earlyStop: false) }
        var nodeRuleStatistics = RankingStatistics(), nodeRuleMetrics = RankingMetrics()
        let nodeRuleEval = timed {
            nodeRuleMetrics = Evaluator.evaluate(model, cases: cases, statistics: &nodeRuleStatistics, tailBounds: false)
        }

        let inputs = UnsafeMutablePointer<Int32>.allocate(capacity: config.maxLength)
        defer { inputs.deallocate() }
        // Whole requests, then their parts: the encoder alone, and the output layer's top-10 from a
        // finished hidden state with the early stop and with every item scored.
        var early: [Double] = [], full: [Double] = [], encoder: [Double] = [], outputEarly: [Double] = [], outputFull: [Double] = []
        var outputNodeRule: [Double] = []
        // Only the tree softmax prunes, so only its node-rule timing is worth taking; its bounds
        // are kept by the layer from the first request, as for any model it serves.
        let prunes = config.outputLayer == .treeSoftmax
        var nodeRuleRequestStatistics = RankingStatistics()
        let hidden = UnsafeMutablePointer<Float>.allocate(capacity: config.embeddingSize)
        defer { hidden.deallocate() }
        var requestStatistics = RankingStatistics(), unprunedStatistics = RankingStatistics()
        for i in 0..<(requests + 5) {
            let history = cases[i % cases.count].history
            let e = timed { _ = model.recommend(history: history, count: 10) }
            // Scoring every item answers as `recommend` does: log-probabilities, normalised over all items.
            let f = timed {
                HistoryWindow.fill(history, length: config.maxLength, row: inputs)
                let finished = model.finalHidden(inputs: inputs, batch: 1, length: config.maxLength)
                _ = model.output.topK(hidden: finished, rows: 1, k: 10, pruning: .none, statistics: &unprunedStatistics)
            }
            let h = timed {
                HistoryWindow.fill(history, length: config.maxLength, row: inputs)
                hidden.update(from: model.finalHidden(inputs: inputs, batch: 1, length: config.maxLength), count: config.embeddingSize)
            }
            let on = timed {
                if prunes { _ = model.output.topK(hidden: hidden, rows: 1, k: 10, pruning: .nodeRule, statistics: &nodeRuleRequestStatistics) }
            }
            let oe = timed {
                _ = model.output.topK(hidden: hidden, rows: 1, k: 10, pruning: .tailBounds, statistics: &requestStatistics)
            }
            let of = timed {
                _ = model.output.topK(hidden: hidden, rows: 1, k: 10, pruning: .none, statistics: &unprunedStatistics)
            }
            if i >= 5 {
                early.append(e * 1000); full.append(f * 1000); encoder.append(h * 1000)
                outputEarly.append(oe * 1000); outputFull.append(of * 1000); outputNodeRule.append(on * 1000)
            }
        }
        func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }
        let results: [String: Any] = [
            "cpu": MachineInfo.cpuName, "blas": BLAS.kernels, "row_kernels": RowKernels.name, "threads": runtime.threads,
            "output_layer": config.outputLayer.rawValue, "cases": cases.count,
            "eval_users_per_s": Double(cases.count) / earlyEval,
            "eval_users_per_s_full_scoring": Double(cases.count) / fullEval,
            "latency_ms_p50": median(early), "latency_ms_p50_full_scoring": median(full),
            "encoder_ms_p50": median(encoder), "output_topk_ms_p50": median(outputEarly),
            "output_topk_ms_p50_full_scoring": median(outputFull),
            "output_topk_ms_p50_node_rule_only": median(outputNodeRule),
            "eval_users_per_s_node_rule_only": Double(cases.count) / nodeRuleEval,
            "request_tails_skipped": requestStatistics.skippedTailShare,
            "request_tails_skipped_by_bound": requestStatistics.boundSkippedTailShare,
            "request_tails_skipped_node_rule_only": nodeRuleRequestStatistics.skippedTailShare,
            "early_stop_tails_skipped_by_bound": statistics.boundSkippedTailShare,
            "early_stop_tails_skipped_node_rule_only": nodeRuleStatistics.skippedTailShare,
            "early_stop_tails_skipped": statistics.skippedTailShare,
            "early_stop_items_skipped": statistics.skippedItemShare,
            "metrics_identical": earlyMetrics == fullMetrics && nodeRuleMetrics == fullMetrics,
        ]
        if runtime.json {
            Output.json(results)
            return
        }
        print("machine: \(MachineInfo.cpuName), \(BLAS.kernels), row kernels \(RowKernels.name), \(Output.threads(runtime.threads)); output \(config.outputLayer.rawValue)")
        print(String(format: "evaluation: %.0f users/s (early stop where the output allows; %.0f with the node rule alone) vs %.0f scoring every item; metrics identical: %@",
                     Double(cases.count) / earlyEval, Double(cases.count) / nodeRuleEval, Double(cases.count) / fullEval,
                     earlyMetrics == fullMetrics && nodeRuleMetrics == fullMetrics ? "yes" : "NO"))
        print(String(format: "recommend top-10 p50: %.3f ms vs %.3f ms scoring every item (%.2fx)",
                     median(early), median(full), median(full) / median(early)))
        print(String(format: "  of which the encoder: p50 %.3f ms; the output layer's top-10: %.3f ms vs %.3f ms scoring every item (%.2fx, %.1f%% of tails skipped)",
                     median(encoder), median(outputEarly), median(outputFull), median(outputFull) / median(outputEarly),
                     100 * requestStatistics.skippedTailShare))
        if prunes {
            print(String(format: "  the output layer's top-10 with the node rule alone: %.3f ms (%.1f%% of tails skipped); %.1f%% skipped by tail bounds",
                         median(outputNodeRule), 100 * nodeRuleRequestStatistics.skippedTailShare,
                         100 * requestStatistics.boundSkippedTailShare))
        }
        if statistics.rows > 0 {
            print(String(format: "early stop skipped %.1f%% of tails (%.1f%% by tail bounds; %.1f%% with the node rule alone), %.1f%% of item scores (evaluation)",
                         100 * statistics.skippedTailShare, 100 * statistics.boundSkippedTailShare,
                         100 * nodeRuleStatistics.skippedTailShare, 100 * statistics.skippedItemShare))
        }
    }

    /// The multiply-adds (×2) an output layer must do for a batch's targets, forward and the two
    /// backward products: C·N per target for the full softmax; for the tree softmax, the head's
    /// C·H plus, for a target in tail j, C·d_j + d_j·k_j.
    func outputFlops(_ batch: [[Int32]], _ config: ModelConfiguration) -> Double {
        let T = config.maxLength, C = config.embeddingSize
        var perTarget: (Int32) -> Int = { _ in C * config.itemCount }
        if config.outputLayer == .treeSoftmax, let cutoffs = config.cutoffs,
           let clusters = try? ItemClusters(cutoffs: Array(cutoffs.dropLast()), itemCount: config.itemCount) {
            let ranks = clusters.dimensions(embeddingSize: C, divisor: config.rankDivisor)
            let head = C * (cutoffs[0] + cutoffs.count - 1)
            perTarget = { x in
                guard let j = cutoffs.firstIndex(where: { Int(x) < $0 }), j > 0 else { return head }
                return head + C * ranks[j] + ranks[j] * (cutoffs[j] - cutoffs[j - 1])
            }
        }
        var macs = 0
        for sequence in batch {
            let window = sequence.suffix(T + 1)
            for x in window.dropFirst() { macs += perTarget(x) }
        }
        return 6 * Double(macs)
    }
}
