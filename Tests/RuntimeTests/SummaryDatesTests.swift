import Testing
@testable import Runtime

/// Dates in `DescriptiveSummary`: R's `summary.Date` (values from R 4.2.2:
/// `format(structure(x, class = "Date"))` drops the fraction of a day, towards the past).
@Suite struct SummaryDatesTests {
    @Test func aFractionOfADayIsDroppedTowardsThePast() {
        #expect(DescriptiveSummary.dayText(17000.5) == "2016-07-18")
        #expect(DescriptiveSummary.dayText(17000.99) == "2016-07-18")
        #expect(DescriptiveSummary.dayText(-0.5) == "1969-12-31")
        #expect(DescriptiveSummary.dayText(0) == "1970-01-01")
    }

    @Test func quartilesAndMeanOfDayNumbers() {
        // Days 0, 1, 2, 4 and a missing one: R gives min 1970-01-01, Q1 1970-01-01 (0.75),
        // median 1970-01-02 (1.5), mean 1970-01-02 (1.75), Q3 1970-01-03 (2.5), max 1970-01-05.
        let s = DescriptiveSummary(variables: [("d", .dates([0, 1, .nan, 2, 4]))])
        let table = s.tables()[0]
        #expect(table.title == "Summary of dates")
        #expect(table.rows[0] == [.text("d"), .text("all"), .integer(4), .integer(1), .text("1970-01-01"), .text("1970-01-01"),
                                  .text("1970-01-02"), .text("1970-01-02"), .text("1970-01-03"), .text("1970-01-05")])
    }
}
