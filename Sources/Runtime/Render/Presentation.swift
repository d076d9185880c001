/// How the text-like renderers show numbers: one value per output, chosen by the caller
/// (the language's settings). The default reproduces the renderers' output before this type
/// existed, byte for byte.
public struct Presentation: Sendable, Equatable {
    /// Significant digits for `number` and `survival` cells; nil keeps each cell's own
    /// (4 for most estimates, 3 for HRs in a screen). When set, large numbers are written out
    /// in full rather than in scientific notation (`Format.significantPlain`). Times, counts,
    /// percentages and p-values are not affected.
    public var digits: Int?
    /// Survival probabilities (`Cell.survival`: estimates and limits read off a curve) as
    /// percentages, "85.3%".
    public var survivalAsPercent: Bool
    /// Decimals of those percentages.
    public var percentDecimals: Int
    /// How p-values print in text and Markdown.
    public var pStyle: PValueStyle
    /// Whether text and Markdown print the lines under each table (tests, methods, warnings).
    public var notes: Bool

    public init(digits: Int? = nil, survivalAsPercent: Bool = false, percentDecimals: Int = 1,
                pStyle: PValueStyle = .r, notes: Bool = true) {
        self.digits = digits
        self.survivalAsPercent = survivalAsPercent
        self.percentDecimals = percentDecimals
        self.pStyle = pStyle
        self.notes = notes
    }

    /// Today's output: cells' own digits, proportions, R's p-values, notes printed.
    public static let standard = Presentation()
}

/// How p-values are written (`Format.pValue(_:style:)`).
public enum PValueStyle: String, Sendable, CaseIterable {
    /// R's `format.pval`: 3 significant digits, `< 2e-16` below machine epsilon.
    case r
    /// A journal's: `< 0.001`, 3 decimals below 0.01, 2 decimals up to 0.99, `> 0.99`.
    case journal
}
