import Foundation

extension ModelBundle {
    /// Writes the bundle to `directory`, replacing any bundle there as a whole: readers, and
    /// whatever survives a crash, see the old bundle or the new one, never a mix
    /// (`BundleReplacement`). Entries of the directory that are not bundle files (a checkpoint
    /// directory) are kept.
    public func write(to directory: String) throws {
        try Self.checkItemIds(vocabulary, source: Self.path(directory, BundleIntegrity.itemsName))
        try BundleReplacement(destination: directory).replace(writeFiles: writeFiles(into:))
    }

    /// Writes the three files into `directory`, which nobody reads yet (a new bundle's working
    /// directory, or a checkpoint not yet pointed at), each file atomically and flushed, and
    /// config.json last with the SHA-256 of each file (`BundleIntegrity`). The caller has
    /// checked the item ids (`checkItemIds`), naming the path the user knows.
    func writeFiles(into directory: String) throws {
        // A reduced-precision weight is stored in place of the parameter of its name (the
        // encoder's, which the model holds dequantized) or of none (a quantized table).
        let quantized = Set(quantizedWeights.map(\.name))
        let tensors = model.uniqueWeights().filter { !quantized.contains($0.name) }.map { p in
            NamedTensor(name: p.name, shape: p.weight.shape, values: p.weight.value.values)
        }
        // Reduced-precision weights and a JPQ model's item codes are stored beside the Float32 tensors.
        var stored: [StoredTensor] = model.itemCodeTensors()
        for weight in quantizedWeights { stored += weight.safeTensors() }
        let weights = try SafeTensors.encode(tensors, stored: stored, metadata: ["format": Self.formatName, "version": String(Self.formatVersion)])
        try writeAtomically(weights, to: Self.path(directory, BundleIntegrity.weightsName))
        var tsv = "index\toriginal_id\tfrequency\n"
        for i in 0..<vocabulary.count {
            tsv += "\(i)\t\(vocabulary.originalIds[i])\t\(vocabulary.frequencies[i])\n"
        }
        let items = Array(tsv.utf8)
        try writeAtomically(items, to: Self.path(directory, BundleIntegrity.itemsName))
        let config = try sealedConfiguration(digests: [
            BundleIntegrity.weightsName: SHA256.digest(weights).hexadecimal,
            BundleIntegrity.itemsName: SHA256.digest(items).hexadecimal,
        ])
        try writeAtomically(config, to: Self.path(directory, BundleIntegrity.configName))
    }

    /// config.json with the current format and version, the digests of the other files and its own.
    private func sealedConfiguration(digests: [String: String]) throws -> [UInt8] {
        var configuration = configuration
        configuration.format = Self.formatName
        configuration.version = Self.formatVersion
        return try SealedJSON.encode(configuration, ownName: BundleIntegrity.configName, digests: digests) { $0.sha256 = $1 }
    }

    /// Refuses an item id that items.tsv cannot hold, naming `source` (the data file when
    /// checked before training, items.tsv when writing). items.tsv has one item a line,
    /// tab-separated, without escaping, so a tab or any line break is refused: U+000B, U+000C,
    /// U+0085, U+2028 and U+2029 too, on which other readers (Python's `splitlines`) split lines.
    public static func checkItemIds(_ vocabulary: Vocabulary, source: String) throws {
        func cannotBeHeld(_ scalar: Unicode.Scalar) -> Bool { scalar == "\t" || Character(scalar).isNewline }
        func code(_ scalar: Unicode.Scalar) -> String {
            let digits = String(scalar.value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        }
        for id in vocabulary.originalIds {
            guard let scalar = id.unicodeScalars.first(where: cannotBeHeld) else { continue }
            // Shown with the offending characters as codes: printed, a U+2028 looks like a space.
            let shown = id.unicodeScalars.map { cannotBeHeld($0) ? "<\(code($0))>" : String($0) }.joined()
            let what = scalar == "\t" ? "a tab" : "a line break (\(code(scalar)))"
            throw InputError(source: source, "item id '\(shown)' contains \(what), which a model bundle's items.tsv "
                                 + "(one item a line, tab-separated) cannot hold; expected ids without tabs or line breaks")
        }
    }
}
