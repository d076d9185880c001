/// Survival outcomes per row: follow-up time in a reporting unit and a status code
/// (0 = censored, 1 = the event, 2 = the competing event). Time is NaN where it cannot be
/// computed (a missing origin or censoring date); such rows are dropped by the analyses and
/// counted.
///
/// Counting-process data (`Surv(start, stop, event)` in R) carry `start`: row i is at risk
/// over (start[i], time[i]], and `time` is its stop time. One subject may then have several
/// rows (one per interval); see Therneau & Grambsch (2000), section 3.7.
public struct SurvivalOutcome: Sendable {
    public var name: String
    public var time: [Double]
    /// Entry times of (start, stop] rows; nil for right-censored data (every row at risk from 0).
    public var start: [Double]?
    public var status: [Int]
    /// The unit times are reported in ("months", "days", ...).
    public var unit: String
    /// True when the endpoint declares a competing event.
    public var hasCompetingEvent: Bool

    public init(name: String, time: [Double], status: [Int], unit: String, hasCompetingEvent: Bool, start: [Double]? = nil) {
        self.name = name; self.time = time; self.status = status; self.unit = unit; self.hasCompetingEvent = hasCompetingEvent
        self.start = start
    }

    public var count: Int { time.count }

    /// Event indicator for the event of interest (competing events count as censored).
    public var event: [Bool] { status.map { $0 == 1 } }

    /// Builds an outcome from dates (days since 1970, `Column.dateNA` = missing).
    ///
    /// For each row: the event happens at the event date if present, the competing event at
    /// the competing date if present (whichever is earlier; a tie goes to the event of
    /// interest); otherwise the row is censored at the censoring date. Time is
    /// (that date - origin) / daysPerUnit.
    /// Returns the row index of the first negative time, if any, so the caller can report it.
    public static func fromDates(name: String, origin: [Int32], event: [Int32], compete: [Int32]?, censor: [Int32],
                                 daysPerUnit: Double, unit: String) -> (outcome: SurvivalOutcome, firstNegative: Int?) {
        let n = origin.count
        var time = [Double](repeating: .nan, count: n)
        var status = [Int](repeating: 0, count: n)
        var firstNegative: Int? = nil
        let na = Column.dateNA
        for i in 0..<n {
            guard origin[i] != na else { continue }
            var end = censor[i]
            var s = 0
            if event[i] != na { end = event[i]; s = 1 }
            if let compete, compete[i] != na, s == 0 || compete[i] < end { end = compete[i]; s = 2 }
            guard end != na else { continue }
            let days = Double(end - origin[i])
            if days < 0, firstNegative == nil { firstNegative = i }
            time[i] = days / daysPerUnit
            status[i] = s
        }
        return (SurvivalOutcome(name: name, time: time, status: status, unit: unit, hasCompetingEvent: compete != nil), firstNegative)
    }
}
