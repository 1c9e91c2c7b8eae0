/// How wide a chart's text will be. An SVG has no text measurement without a renderer, so the
/// charts lay out legends and margins from an estimate; it errs wide (Helvetica's advance widths
/// plus 12 %, for wider fallback fonts such as DejaVu Sans), so text laid out by it stays inside
/// the picture. The layout tests check the charts with the same estimate.
public enum ChartText {
    /// The estimated width in pixels of `text` at `size` pixels, bold or not.
    public static func width(_ text: String, size: Double, bold: Bool = false) -> Double {
        let ems = text.unicodeScalars.reduce(0.0) { $0 + advance($1) }
        return ems * size * 1.12 * (bold ? 1.08 : 1)
    }

    /// `text` cut to fit `maxWidth`, ending in `…` when cut.
    public static func fitted(_ text: String, size: Double, bold: Bool = false, maxWidth: Double) -> String {
        guard width(text, size: size, bold: bold) > maxWidth else { return text }
        var characters = Array(text)
        while !characters.isEmpty && width(String(characters) + "…", size: size, bold: bold) > maxWidth {
            characters.removeLast()
        }
        return String(characters) + "…"
    }

    /// Helvetica's advance width of a character in ems, by class.
    private static func advance(_ scalar: Unicode.Scalar) -> Double {
        switch scalar {
        case "i", "j", "l", "'", "|", ".", ",", ":", ";", "!", "I": return 0.28
        case "f", "t", "r", " ", "-", "(", ")", "[", "]", "/", "\\": return 0.34
        case "m", "w": return 0.84
        case "M", "W", "@", "%", "&", "—", "…": return 1.0
        case "A"..."Z": return 0.73
        default: return scalar.isASCII ? 0.56 : scalar.value >= 0x2E80 ? 1.0 : 0.6  // wide scripts from CJK on
        }
    }
}
