/// Collects `(user, item[, timestamp])` interactions in file order and turns them into one
/// item sequence per user.
///
/// Users come out in order of first appearance. With timestamps each user's items are sorted
/// by time, ties keeping file order; without them file order is kept.
struct UserHistoryGrouper {
    private var users = TokenInterner()
    private var userOfRecord: [Int32] = []
    private var itemOfRecord: [Int32] = []
    private var timeOfRecord: [Double] = []

    var isEmpty: Bool { itemOfRecord.isEmpty }

    /// Adds an interaction; either every call or none passes a timestamp.
    mutating func add(
        user: UnsafeBufferPointer<UInt8>, item: Int32, timestamp: Double?, file: String, line: Int
    ) throws {
        guard let (userIndex, _) = users.intern(user) else {
            throw InputError(file: file, line: line, "more than \(TokenInterner.capacity) distinct user ids")
        }
        userOfRecord.append(userIndex)
        itemOfRecord.append(item)
        if let timestamp { timeOfRecord.append(timestamp) }
    }

    func sequences() -> (sequences: [[Int32]], userIds: [String]) {
        // A counting sort by user keeps each user's records in file order.
        var starts = [Int](repeating: 0, count: users.count + 1)
        for user in userOfRecord { starts[Int(user) + 1] += 1 }
        for user in 0..<users.count { starts[user + 1] += starts[user] }
        var next = starts
        var records = [Int](repeating: 0, count: userOfRecord.count)
        for (record, user) in userOfRecord.enumerated() {
            records[next[Int(user)]] = record
            next[Int(user)] += 1
        }
        let timed = !timeOfRecord.isEmpty
        var sequences: [[Int32]] = []
        sequences.reserveCapacity(users.count)
        for user in 0..<users.count {
            var history = records[starts[user]..<starts[user + 1]]
            // Record numbers increase within a user, so sorting by (time, record) is the
            // stable sort by time. Most logs are already in time order, so check first.
            if timed && !history.isSorted(by: { timeOfRecord[$0] <= timeOfRecord[$1] }) {
                history.sort { (timeOfRecord[$0], $0) < (timeOfRecord[$1], $1) }
            }
            sequences.append(history.map { itemOfRecord[$0] })
        }
        return (sequences, (0..<users.count).map { users.token(at: $0) })
    }
}

extension Collection {
    /// Whether each adjacent pair satisfies `inOrder`.
    fileprivate func isSorted(by inOrder: (Element, Element) -> Bool) -> Bool {
        zip(self, dropFirst()).allSatisfy(inOrder)
    }
}
