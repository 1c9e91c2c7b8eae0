/// The item codes of a model's JPQ tables, as a bundle stores them: `U8` tensors `[N, m]` beside
/// the parameters, each code table once (a tied output's codes are the input's).
extension SequentialRecommender {
    /// Every distinct code table under the first name it is used by (`item_embedding.codes`,
    /// `output.items.codes`); empty for a model without JPQ tables.
    public func namedItemCodes() -> [(name: String, codes: JPQCodes)] {
        let uses = ((embedding as? any ItemCodeContainer)?.namedItemCodes(prefix: "item_embedding") ?? [])
            + ((output as? any ItemCodeContainer)?.namedItemCodes(prefix: "output") ?? [])
        var seen = Set<ObjectIdentifier>()
        return uses.filter { seen.insert(ObjectIdentifier($0.codes)).inserted }
    }

    /// The code tables as the `U8` tensors a bundle stores.
    public func itemCodeTensors() -> [StoredTensor] {
        namedItemCodes().map { StoredTensor(name: $0.name, dtype: .uint8, shape: $0.codes.shape, bytes: $0.codes.bytes) }
    }

    /// Loads every code table from the `U8` tensor of its name in `file` and returns `file`
    /// without those tensors, for the parameters to be copied from.
    /// - Throws: ``InputError`` naming the file and tensor when one is missing, misshapen, of
    ///   another dtype, or holds a sub-id past the last split's 256.
    public func loadItemCodes(from file: SafeTensorsFile) throws -> SafeTensorsFile {
        var used = Set<String>()
        for (name, codes) in namedItemCodes() {
            let location = SafeTensorsDiagnostics.location(ofTensor: name)
            guard let tensor = file.stored(name) else {
                let found = file[name] == nil ? "missing; the file has no tensor of that name" : "an F32 tensor"
                throw InputError(source: file.source, location: location,
                                 "\(found); expected the JPQ item codes as a U8 tensor \(codes.shape)")
            }
            guard tensor.dtype == .uint8 else {
                throw InputError(source: file.source, location: location, "dtype is \(tensor.dtype.rawValue); expected U8 item codes")
            }
            guard tensor.shape == codes.shape else {
                throw InputError(source: file.source, location: location, "expected shape \(codes.shape), found \(tensor.shape)")
            }
            codes.assign(tensor.bytes)
            used.insert(name)
        }
        return file.removingStored(used)
    }
}

extension SafeTensorsFile {
    /// The same file without the stored (non-F32) tensors named in `names`.
    package func removingStored(_ names: Set<String>) -> SafeTensorsFile {
        SafeTensorsFile(source: source, tensors: tensors, stored: stored.filter { !names.contains($0.name) }, metadata: metadata,
                        readInto: readInto)
    }
}
