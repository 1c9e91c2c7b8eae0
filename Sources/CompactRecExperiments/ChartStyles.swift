import CompactRec
import Foundation

/// The colour and marker of each configuration of a report, the same in every chart.
///
/// A report can hold 36 configurations, more than any set of colours tells apart. So each
/// method family (the kind of compression: MEmCom, the hashing trick, CpRec's tree softmax, both
/// of CpRec's sides, none) gets one hue, and the family's configurations (ratios, sides, sharing
/// schemes, hashes) a shade of it and a marker of their own: related series look related, and
/// no two series look the same.
public struct ChartStyles: Sendable {
    public struct Style: Sendable, Equatable {
        public var colour: String
        public var shape: String
        public var family: String
    }

    /// The families in order of first appearance.
    public private(set) var families: [String] = []
    /// Configurations of each family, in order of appearance.
    public private(set) var members: [String: [String]] = [:]
    private var styles: [String: Style] = [:]

    /// Okabe–Ito colours (distinguishable with colour-blindness; yellow left out for contrast,
    /// brown added), for the families after the uncompressed one, which is black. Beyond eight
    /// families the hues repeat.
    static let hues = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8C510A"]
    static let uncompressedHue = "#000000"
    static let shapes = ["circle", "square", "triangle", "diamond", "triangle-down", "cross", "plus", "ring"]
    static let uncompressed = "uncompressed"

    /// Styles for `configurations` (name and settings, in the report's order; a repeated name
    /// keeps its first settings).
    public init(_ configurations: [(name: String, settings: ExperimentSettings)]) {
        for (name, settings) in configurations where styles[name] == nil {
            let family = Self.family(of: settings)
            if members[family] == nil { families.append(family) }
            members[family, default: []].append(name)
            styles[name] = Style(colour: "", shape: "", family: family)
        }
        var hueIndex = 0
        for family in families {
            let hue: String
            if family == Self.uncompressed {
                hue = Self.uncompressedHue
            } else {
                hue = Self.hues[hueIndex % Self.hues.count]
                hueIndex += 1
            }
            let names = members[family]!
            for (k, name) in names.enumerated() {
                styles[name] = Style(colour: Self.shade(hue, k, of: names.count), shape: Self.shapes[k % Self.shapes.count], family: family)
            }
        }
    }

    /// The style of `configuration`; a grey circle for a name the report does not have.
    public func style(of configuration: String) -> Style {
        styles[configuration] ?? Style(colour: "#999999", shape: "circle", family: "")
    }

    /// The kind of compression of a configuration: its compressed side's kind, both sides'
    /// joined by `+`, or `uncompressed`; sharing and sizes do not change it.
    public static func family(of settings: ExperimentSettings) -> String {
        let input = settings.model.inputEmbedding.kind == .full ? nil : settings.model.inputEmbedding.name
        let output = settings.model.outputLayer.kind == .fullSoftmax ? nil : settings.model.outputLayer.name
        switch (input, output) {
        case let (input?, output?): return input == output ? input : "\(input) + \(output)"
        case let (input?, nil): return input
        case let (nil, output?): return output
        case (nil, nil): return uncompressed
        }
    }

    /// Member `index` of `count` in a family of colour `hue`: from 30 % darker for the first to
    /// 45 % lighter for the last, so neighbours differ by a visible step.
    static func shade(_ hue: String, _ index: Int, of count: Int) -> String {
        guard count > 1 else { return hue }
        let t = Double(index) / Double(count - 1)
        let channels = stride(from: 1, to: 7, by: 2).map { offset -> Double in
            let start = hue.index(hue.startIndex, offsetBy: offset)
            return Double(Int(hue[start..<hue.index(start, offsetBy: 2)], radix: 16)!)
        }
        let mixed = channels.map { value in
            t < 0.4 ? value * (1 - 0.3 * (0.4 - t) / 0.4) : value + (255 - value) * 0.45 * (t - 0.4) / 0.6
        }
        return "#" + mixed.map { String(format: "%02X", Int($0.rounded())) }.joined()
    }
}
