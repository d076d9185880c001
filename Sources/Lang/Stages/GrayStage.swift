import Runtime

extension Interpreter {
    /// `cuminc ... by G | gray`: Gray's test between the groups of the curves before it.
    func runGray(_ stage: Stage, _ run: inout PipelineRun) throws {
        guard case .cuminc(let result) = run.context else {
            throw fail("`gray` compares the groups of the cuminc before it: write `cuminc ENDPOINT by GROUP | gray`", stage.verbRange, run.source)
        }
        guard !result.gray.isEmpty else {
            throw fail("Gray's test needs at least two groups: add `by GROUP` to `cuminc`", stage.verbRange, run.source)
        }
        run.emit(GrayTestReport(tests: result.gray, endpointName: result.endpointName))
    }
}

/// Gray's test alone (`cuminc ... | gray`).
struct GrayTestReport: Reportable {
    var tests: [GrayTestResult]
    var endpointName: String
    var kind: String { "gray" }

    func tables() -> [ResultTable] {
        [ResultTable(title: "Gray's test: \(endpointName)", columns: ["cause", "chisq", "df", "p"],
                     rows: tests.map { [.text($0.cause == 1 ? endpointName : "competing (\($0.cause))"), .number($0.statistic, digits: 4), .number($0.df, digits: 2), .pValue($0.p)] })]
    }

    func json() -> JSONValue {
        .object([("endpoint", .string(endpointName)),
                 ("tests", .array(tests.map { .object([("cause", .int($0.cause)), ("statistic", .number($0.statistic)), ("df", .number($0.df)), ("p", .number($0.p))]) }))])
    }
}
