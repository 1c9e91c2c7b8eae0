import Foundation

extension ModelBundle {
    public func write(to directory: String) throws {
        try createDirectories(atPath: directory)
        let tensors = model.uniqueParameters().map { p in
            NamedTensor(name: p.name, shape: p.parameter.shape, values: p.parameter.value.values)
        }
        try SafeTensors.write(tensors, metadata: ["format": Self.formatName, "version": String(Self.formatVersion)],
                              to: Self.path(directory, "model.safetensors"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeAtomically(try encoder.encode(configuration), to: Self.path(directory, "config.json"))
        var tsv = "index\toriginal_id\tfrequency\n"
        if let bad = vocabulary.originalIds.firstIndex(where: { $0.contains(where: \.isNewline) || $0.contains("\t") }) {
            throw InputError(source: Self.path(directory, "items.tsv"),
                             "item id \(vocabulary.originalIds[bad].debugDescription) contains a tab or line break, which items.tsv cannot hold")
        }
        for i in 0..<vocabulary.count {
            tsv += "\(i)\t\(vocabulary.originalIds[i])\t\(vocabulary.frequencies[i])\n"
        }
        try writeAtomically(Data(tsv.utf8), to: Self.path(directory, "items.tsv"))
    }
}
