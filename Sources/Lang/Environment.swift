import Runtime

/// A bound expression with the source it was written in (REPL entries are separate sources).
struct Bound {
    var expr: Expr
    var source: SourceFile
}

/// An endpoint as written, with where it was written.
struct EndpointDefinition {
    var spec: EndpointSpec
    var source: SourceFile
    var name: Name
}

/// A cohort as written: its pipeline of row steps.
struct CohortDefinition {
    var pipeline: Pipeline
    var source: SourceFile
}

/// The names a script has bound: data sources, `let` columns, parameters, endpoints,
/// cohorts, and the settings in force. Definitions only; computed cohorts are cached by the
/// interpreter.
struct Environment {
    var tables: [String: Table] = [:]
    /// The path each table was loaded from, as written.
    var tablePaths: [String: String] = [:]
    var lets: [String: Bound] = [:]
    var params: [String: Scalar] = [:]
    var endpoints: [String: EndpointDefinition] = [:]
    var cohorts: [String: CohortDefinition] = [:]
    var settings = Settings()

    /// What kind of thing a name is bound to, if any (tables, cohorts and endpoints share
    /// one namespace so `cohort x | km x` is never ambiguous).
    func kindOf(_ name: String) -> String? {
        if tables[name] != nil { return "table" }
        if cohorts[name] != nil { return "cohort" }
        if endpoints[name] != nil { return "endpoint" }
        return nil
    }
}
