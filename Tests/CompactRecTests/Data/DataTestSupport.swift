import Foundation
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// Reads `path` with a fresh item table and returns its sequences as item ids.
func readInteractionItemIds(_ path: String, format: DataFormat) throws -> (log: InteractionLog, ids: [[String]]) {
    var items = ItemTokenTable()
    let log = try InteractionLog.read(path: path, format: format, items: &items)
    return (log, log.sequences.map { $0.map { items.tokens[Int($0)] } })
}

/// All lines of `path` as strings with their numbers.
func readNumberedTextLines(_ path: String, maximumLineLength: Int = TextLineReader.maximumLineLength) throws -> [(
    Int, String
)] {
    var reader = try TextLineReader(path: path, maximumLineLength: maximumLineLength)
    var lines: [(Int, String)] = []
    while let line = try reader.withNextLine({ bytes, number in (number, String(decoding: bytes, as: UTF8.self)) }) {
        lines.append(line)
    }
    return lines
}
