import CompactRecRuntime
import Foundation

// Usage: recommend-once BUNDLE ITEM...; prints the top 5 as "id score" lines.
let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: recommend-once BUNDLE ITEM...")
    exit(2)
}
do {
    let recommender = try Recommender(contentsOf: arguments[1])
    let answer = recommender.recommend(history: Array(arguments.dropFirst(2)), count: 5)
    for item in answer.items { print(item.id, item.score) }
} catch {
    print("error: \(error)")
    exit(1)
}
