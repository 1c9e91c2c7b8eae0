/// The item ids met while reading interaction files, each with a raw index in order of first
/// appearance.
///
/// Pass the same table to the reader of a training file and of its test file so both map an
/// item to the same raw index. Ids compare byte for byte.
public struct ItemTokenTable: Sendable {
    /// Raw index → item id as written in the file.
    public private(set) var tokens: [String] = []
    private var interner = TokenInterner()

    public init() {}

    /// The number of distinct items.
    public var count: Int { tokens.count }

    /// The raw index of `token`, or nil if no file read so far contains it.
    public func index(of token: String) -> Int32? {
        interner.index(of: token)
    }

    /// The raw index of `token`, adding it if it is new.
    /// - Precondition: fewer than `Int32.max` items.
    @discardableResult
    public mutating func intern(_ token: String) -> Int32 {
        guard let (index, inserted) = interner.intern(token) else {
            preconditionFailure("more than \(TokenInterner.capacity) distinct items")
        }
        if inserted { tokens.append(token) }
        return index
    }

    /// The raw index of the item spelled by `token`, adding it if it is new; throws when the
    /// file holds more distinct items than an `Int32` index can count.
    mutating func intern(_ token: UnsafeBufferPointer<UInt8>, file: String, line: Int) throws -> Int32 {
        guard let (index, inserted) = interner.intern(token) else {
            throw InputError(file: file, line: line, "more than \(TokenInterner.capacity) distinct item ids")
        }
        if inserted { tokens.append(String(decoding: token, as: UTF8.self)) }
        return index
    }
}
