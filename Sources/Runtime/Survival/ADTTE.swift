/// A CDISC ADaM time-to-event dataset (ADTTE): one record per subject and parameter
/// (endpoint), so that the endpoints an analysis defines feed a regulatory submission.
///
/// Variables as defined by CDISC's "ADaM Basic Data Structure for Time-to-Event Analyses",
/// version 1.0 (CDISC Analysis Data Model Team, 2012), section 3 (the BDS-TTE variables):
/// USUBJID (unique subject identifier), PARAMCD (parameter code, at most 8 characters,
/// upper case), PARAM (parameter description), STARTDT (time-to-event origin date),
/// ADT (analysis date: the date of the event or of censoring), AVAL (analysis value: the
/// time from STARTDT to ADT), AVALU (its unit), CNSR (censor: 0 for an event, a positive
/// integer for censoring), EVNTDESC (event or censoring description), CNSDTDSC (censor date
/// description); STUDYID when the study is known (`set study "LART-01"`).
///
/// Choices where the standard leaves room (documented in grammar.md, `export adtte`):
/// - AVAL is the time lart analyses, in the endpoint's unit ((ADT - STARTDT) / days per
///   unit), without the "+ 1 day" some sponsors add, so an analysis of the file reproduces
///   lart's estimates.
/// - CNSR 0 is the event of interest, 1 censoring, 2 a competing event: a positive value,
///   since a competing event ends follow-up for the event of interest (CDISC: positive
///   integers are censorings, their meaning given by EVNTDESC), and the code cmprsk and SAS
///   PROC LIFETEST (`failcode`) give a competing event, so `CNSR` is also the status of a
///   cumulative-incidence analysis once 0 and 1 are swapped.
public struct ADTTEDataset: Reportable {
    /// One endpoint: its code, description and the unit of its times.
    public struct Parameter: Sendable {
        public var code: String
        public var description: String
        /// AVALU: "DAYS", "WEEKS", "MONTHS", "YEARS", or "" when the endpoint has no unit.
        public var unit: String
        public init(code: String, description: String, unit: String) {
            self.code = code; self.description = description; self.unit = unit
        }
    }

    public enum Censor: Int, Sendable {
        case event = 0, censored = 1, competingEvent = 2
    }

    public struct Record: Sendable {
        public var subject: String
        /// Index into `parameters`.
        public var parameter: Int
        /// Days since 1970-01-01; nil when the endpoint is not built from dates.
        public var startDate: Int32?
        public var analysisDate: Int32?
        public var value: Double
        public var censor: Censor
        public var eventDescription: String
        public var censorDateDescription: String
        public init(subject: String, parameter: Int, startDate: Int32?, analysisDate: Int32?, value: Double, censor: Censor,
                    eventDescription: String, censorDateDescription: String) {
            self.subject = subject; self.parameter = parameter; self.startDate = startDate; self.analysisDate = analysisDate
            self.value = value; self.censor = censor; self.eventDescription = eventDescription
            self.censorDateDescription = censorDateDescription
        }
    }

    public var studyID: String?
    public var parameters: [Parameter]
    /// Sorted by subject (numerically when every identifier is a whole number), then by
    /// parameter in the order the parameters were named.
    public let records: [Record]

    public init(studyID: String? = nil, parameters: [Parameter], records: [Record]) {
        self.studyID = studyID
        self.parameters = parameters
        let numeric = records.allSatisfy { Int($0.subject) != nil }
        self.records = records.enumerated().sorted { a, b in
            let (x, y) = (a.element, b.element)
            if x.subject != y.subject {
                return numeric ? Int(x.subject)! < Int(y.subject)! : x.subject < y.subject
            }
            return x.parameter != y.parameter ? x.parameter < y.parameter : a.offset < b.offset
        }.map(\.element)
    }

    /// PARAMCD from an endpoint name: upper case, letters, digits and `_` only, starting with
    /// a letter or `_`, at most 8 characters; a code already `taken` gets a number at its end.
    public static func parameterCode(_ name: String, taken: Set<String>) -> String {
        var code = String(name.uppercased().filter { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" }.prefix(8))
        if code.isEmpty || code.first!.isNumber { code = String(("_" + code).prefix(8)) }
        var candidate = code
        var k = 2
        while taken.contains(candidate) {
            let suffix = String(k)
            candidate = String(code.prefix(8 - suffix.count)) + suffix
            k += 1
        }
        return candidate
    }

    public var kind: String { "adtte" }

    static let columns = ["USUBJID", "PARAMCD", "PARAM", "STARTDT", "ADT", "AVAL", "AVALU", "CNSR", "EVNTDESC", "CNSDTDSC"]

    public func tables() -> [ResultTable] {
        func date(_ d: Int32?) -> Cell { .text(d.map { CivilDate(days: $0).description } ?? "") }
        let rows = records.map { r -> [Cell] in
            let p = parameters[r.parameter]
            return (studyID.map { [Cell.text($0)] } ?? []) + [
                .text(r.subject), .text(p.code), .text(p.description), date(r.startDate), date(r.analysisDate),
                .time(r.value, digits: 6), .text(p.unit), .integer(r.censor.rawValue), .text(r.eventDescription),
                .text(r.censorDateDescription),
            ]
        }
        return [ResultTable(title: "ADTTE", columns: (studyID == nil ? [] : ["STUDYID"]) + ADTTEDataset.columns, rows: rows)]
    }

    public func json() -> JSONValue {
        guard let table = tables().first else { return .array([]) }
        return .array(table.rows.map { row in
            .object(zip(table.columns, row).map { name, cell in
                switch cell {
                case .text(let s): (name, s.isEmpty ? .null : .string(s))
                case .integer(let i): (name, .int(i))
                case .time(let x, _): (name, .number(x))
                case .number, .pValue, .percent, .survival, .hrCI, .missing: (name, .null)
                }
            })
        })
    }
}
