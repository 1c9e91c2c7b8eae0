/// Splits a line of an interaction file into fields, reusing its storage from line to line.
struct InteractionFieldSplitter {
    enum Separator {
        /// Runs of spaces or tabs, or one comma with optional spaces around it. Two commas in a
        /// row, or a comma at either end, leave an empty field, which readers reject rather
        /// than guess what was meant.
        case whitespaceOrComma
        /// Each tab; fields are taken as they are (atomic files may hold spaces in a field).
        case tab
        /// Each comma; spaces around a field are dropped.
        case comma
        /// Each `::`, as in MovieLens `ratings.dat`.
        case doubleColon
    }

    let separator: Separator
    /// Byte ranges of the fields of the last line split.
    private var ranges: [Range<Int>] = []

    init(_ separator: Separator) {
        self.separator = separator
    }

    var count: Int { ranges.count }

    /// Splits `line`; a line with nothing but spaces and tabs has no fields.
    mutating func split(_ line: UnsafeBufferPointer<UInt8>) {
        ranges.removeAll(keepingCapacity: true)
        guard !Self.isBlank(line) else { return }
        switch separator {
        case .whitespaceOrComma: splitOnWhitespaceOrComma(line)
        case .tab: splitOn(line, separator: 0x09, trimming: false)
        case .comma: splitOn(line, separator: 0x2C, trimming: true)
        case .doubleColon: splitOnDoubleColon(line)
        }
    }

    /// Field `index` of the line last split, which must be the `line` passed here.
    func field(_ index: Int, of line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: line[ranges[index]])
    }

    static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        line.allSatisfy(isWhitespace)
    }

    /// Space, tab, and the rarer vertical tab, form feed and a stray carriage return.
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte) && byte != 0x0A
    }

    private mutating func splitOnWhitespaceOrComma(_ line: UnsafeBufferPointer<UInt8>) {
        let count = line.count
        var i = skipWhitespace(line, from: 0)
        while true {
            let fieldStart = i
            while i < count && line[i] != 0x2C && !Self.isWhitespace(line[i]) { i += 1 }
            ranges.append(fieldStart..<i)
            i = skipWhitespace(line, from: i)
            if i == count { return }
            if line[i] == 0x2C {
                i = skipWhitespace(line, from: i + 1)
                if i == count {
                    ranges.append(count..<count)
                    return
                }
            }
        }
    }

    private mutating func splitOn(_ line: UnsafeBufferPointer<UInt8>, separator: UInt8, trimming: Bool) {
        var fieldStart = 0
        for i in 0...line.count where i == line.count || line[i] == separator {
            var lower = fieldStart
            var upper = i
            if trimming {
                while lower < upper && Self.isWhitespace(line[lower]) { lower += 1 }
                while upper > lower && Self.isWhitespace(line[upper - 1]) { upper -= 1 }
            }
            ranges.append(lower..<upper)
            fieldStart = i + 1
        }
    }

    private mutating func splitOnDoubleColon(_ line: UnsafeBufferPointer<UInt8>) {
        var fieldStart = 0
        var i = 0
        while i + 1 < line.count {
            if line[i] == 0x3A && line[i + 1] == 0x3A {
                ranges.append(fieldStart..<i)
                i += 2
                fieldStart = i
            } else {
                i += 1
            }
        }
        ranges.append(fieldStart..<line.count)
    }

    private func skipWhitespace(_ line: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        while i < line.count && Self.isWhitespace(line[i]) { i += 1 }
        return i
    }
}
