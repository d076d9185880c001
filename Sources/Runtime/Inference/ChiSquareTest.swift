/// Pearson's chi-square test of independence in an r x c table of counts, as R's
/// `chisq.test(x, correct =)` on a matrix.
///
/// Inputs: `table[i][j]` non-negative counts, every row of the same length, r >= 2, c >= 2.
///
/// Formula (Agresti 2013, section 3.2; R's `chisq.test` documentation):
///   E_ij = R_i C_j / N
///   X^2  = sum_ij (|O_ij - E_ij| - Y_ij)^2 / E_ij,  df = (r - 1)(c - 1)
///   where Y_ij = min(0.5, |O_ij - E_ij|) (Yates' continuity correction) only when
///   `correct` is true and the table is 2 x 2, else 0.
///   p = P(chi-square_df > X^2).
/// R warns "Chi-squared approximation may be incorrect" when any E_ij < 5.
///
/// Symbols: O = `table`, E = `expected`, R_i = `rowTotals`, C_j = `columnTotals`, N = `total`.
///
/// A row or column with total 0 makes some E_ij zero and X^2 undefined: R returns NaN; so do
/// we, with a warning saying why (the Table 1 builder drops such levels before testing).
public enum ChiSquareTest {

    public static let smallExpectedWarning = "Chi-squared approximation may be incorrect"

    public static func pearson(_ table: [[Int]], correct: Bool = false) -> ChiSquareResult {
        var warnings: [String] = []
        let r = table.count
        let c = table.first?.count ?? 0
        guard r >= 2, c >= 2, table.allSatisfy({ $0.count == c }) else {
            return ChiSquareResult(observed: table, expected: [], statistic: .nan, df: .nan, p: .nan,
                                   corrected: false,
                                   warnings: ["chi-square test needs a table with at least 2 rows and 2 columns of equal length"])
        }
        if table.contains(where: { $0.contains { $0 < 0 } }) {
            return ChiSquareResult(observed: table, expected: [], statistic: .nan, df: .nan, p: .nan,
                                   corrected: false, warnings: ["all entries of the table must be non-negative"])
        }
        let rowTotals = table.map { Double($0.reduce(0, +)) }
        let columnTotals = (0..<c).map { j in Double(table.reduce(0) { $0 + $1[j] }) }
        let total = rowTotals.reduce(0, +)
        guard total > 0 else {
            return ChiSquareResult(observed: table, expected: [], statistic: .nan, df: .nan, p: .nan,
                                   corrected: false, warnings: ["at least one entry of the table must be positive"])
        }
        let expected = rowTotals.map { ri in columnTotals.map { cj in ri * cj / total } }
        let yates = correct && r == 2 && c == 2
        var statistic = 0.0
        for i in 0..<r {
            for j in 0..<c {
                let deviation = abs(Double(table[i][j]) - expected[i][j])
                let adjusted = yates ? deviation - min(0.5, deviation) : deviation
                statistic += adjusted * adjusted / expected[i][j]  // 0/0 -> NaN, as R
            }
        }
        if expected.contains(where: { $0.contains { $0 < 5 } }) { warnings.append(smallExpectedWarning) }
        if rowTotals.contains(0) || columnTotals.contains(0) {
            warnings.append("a row or column of the table has no counts; the statistic is undefined")
        }
        let df = Double((r - 1) * (c - 1))
        let p = statistic.isNaN ? .nan : Distributions.chiSquareUpperTail(statistic, df: df)
        return ChiSquareResult(observed: table, expected: expected, statistic: statistic, df: df, p: p,
                               corrected: yates, warnings: warnings)
    }
}

/// The result of `ChiSquareTest.pearson`.
public struct ChiSquareResult: Reportable {
    public var observed: [[Int]]
    public var expected: [[Double]]
    public var statistic: Double
    public var df: Double
    public var p: Double
    /// True when Yates' continuity correction was applied (2 x 2 and `correct`).
    public var corrected: Bool
    public var warnings: [String]

    public var test: TestStatistic { TestStatistic(statistic: statistic, df: df, p: p) }

    public var kind: String { "chisq" }

    public var method: String {
        corrected ? "Pearson's Chi-squared test with Yates' continuity correction" : "Pearson's Chi-squared test"
    }

    public func tables() -> [ResultTable] {
        let c = observed.first?.count ?? 0
        var rows: [[Cell]] = []
        for (i, row) in observed.enumerated() {
            var cells: [Cell] = [.text("row \(i + 1)")]
            for j in 0..<c {
                cells.append(.integer(row[j]))
                cells.append(i < expected.count ? .number(expected[i][j]) : .missing)
            }
            rows.append(cells)
        }
        var columns = [""]
        for j in 0..<c { columns += ["col \(j + 1)", "expected"] }
        let note = "X-squared = \(statText(statistic)), df = \(statText(df))"
        var table = ResultTable(title: method, columns: columns, rows: rows, notes: [note] + warnings)
        table.rows.append([.text("p")] + [Cell](repeating: .missing, count: max(0, 2 * c - 1)) + [.pValue(p)])
        return [table]
    }

    public func json() -> JSONValue {
        .object([
            ("kind", .string(kind)), ("method", .string(method)),
            ("observed", .array(observed.map { .ints($0) })),
            ("expected", .array(expected.map { .nums($0) })),
            ("statistic", .number(statistic)), ("df", .number(df)), ("p", .number(p)),
            ("warnings", .strings(warnings)),
        ])
    }
}
