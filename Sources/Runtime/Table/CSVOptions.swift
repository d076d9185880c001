/// How to read a CSV file (`use "f.csv" na ["NA", "."] delimiter ";" dates "%d/%m/%Y"`).
/// The defaults read what R's `read.csv` reads, with ISO dates.
public struct CSVOptions: Sendable, Equatable {
    /// Values that mean missing. A field is missing when it equals one of them exactly,
    /// quoted or not (as in R's `read.csv`: `"NA"` in quotes is missing too), or, with
    /// `trimNumbers`, once the spaces around it are removed. An empty field (or `""`) is
    /// always missing, listed or not. The list replaces the default: `["."]` alone makes
    /// `NA` an ordinary value.
    public var naStrings: [String]

    /// The byte between fields. nil: found from the header line, as the one of comma,
    /// semicolon and tab that splits it into the most fields while the next lines (up to
    /// 20 records) split into as many; when none splits every line alike, the one giving
    /// the header the most fields; a header of one field means comma. Quotes are respected.
    public var delimiter: UInt8?

    /// Formats dates are written in, besides ISO `%Y-%m-%d` (always read, also with one-digit
    /// month or day). `%Y` a four-digit year, `%m` a month (1 or 2 digits), `%d` a day (1 or
    /// 2 digits), `%b` / `%B` an English month name, abbreviated or full, any case; `%%` a
    /// percent sign; any other character stands for itself.
    ///
    /// A column is a date column when every value that is not missing is a date in one
    /// format; each column has one format, the first listed that fits all its values (ISO
    /// first). Empty (the default): a column that is dates but for a few other values is
    /// read as text with a warning. Given: such a column (half or more of its values dates
    /// in one format) is an error naming the first value that is not, so that a typing
    /// error in a date never turns the column to text.
    public var dateFormats: [String]

    /// Spaces (and tabs, unless tab is the delimiter) around a number, a date or a boolean
    /// are allowed: ` 55 ` is 55. Text keeps its spaces.
    public var trimNumbers: Bool

    /// Numbers may have a decimal comma (`70,5`), as R's `read.csv2` reads them. nil: when
    /// the delimiter (given or found) is a semicolon, the convention of such files. Numbers
    /// with a point still read; a value with a point and a comma (`1.234,5`) is not a number.
    public var decimalComma: Bool?

    public init(naStrings: [String] = ["", "NA"], delimiter: UInt8? = nil, dateFormats: [String] = [],
                trimNumbers: Bool = true, decimalComma: Bool? = nil) {
        self.naStrings = naStrings
        self.delimiter = delimiter
        self.dateFormats = dateFormats
        self.trimNumbers = trimNumbers
        self.decimalComma = decimalComma
    }
}

/// A table read from CSV, with what in it was probably not read as meant.
public struct CSVReadResult: Sendable {
    public var table: Table
    public var warnings: [DataWarning]

    public init(table: Table, warnings: [DataWarning]) {
        self.table = table; self.warnings = warnings
    }
}
