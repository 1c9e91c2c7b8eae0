/// How an interaction file was read: its format and the columns users, items and timestamps
/// were taken from.
///
/// A file read the wrong way (timestamps taken for items, say) still trains; printing this
/// beside every result and naming it in errors lets the user see such a mistake.
public struct InteractionLayout: Sendable, Equatable, CustomStringConvertible {
    public var format: DataFormat
    /// The user (or session) id column, counting from 1; nil when lines have no user.
    public var user: Int?
    /// The item column, counting from 1; with `itemsRunToEnd`, the first of the item columns.
    public var item: Int
    /// Whether every column from `item` to the end of the line is an item.
    public var itemsRunToEnd: Bool
    /// The column that orders a user's items, counting from 1; nil for file order.
    public var timestamp: Int?
    /// Whether the format was detected rather than named with `--format`.
    public var wasDetected = false

    public init(format: DataFormat, user: Int?, item: Int, itemsRunToEnd: Bool = false, timestamp: Int? = nil) {
        self.format = format
        self.user = user
        self.item = item
        self.itemsRunToEnd = itemsRunToEnd
        self.timestamp = timestamp
    }

    /// `pairs (user=1, item=2, timestamp=4)`, `seq (items=1…)`.
    public var description: String {
        var columns: [String] = []
        if let user { columns.append("user=\(user)") }
        columns.append(itemsRunToEnd ? "items=\(item)…" : "item=\(item)")
        if let timestamp { columns.append("timestamp=\(timestamp)") }
        return "\(format.rawValue) (\(columns.joined(separator: ", ")))"
    }

    /// The description and whether the format was detected, for output beside the results.
    public var summary: String {
        description + (wasDetected ? ", detected" : "")
    }
}
