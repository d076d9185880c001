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

/// A result bound by `let name = cohort ... | stage`: the last result of the pipeline, with
/// the terms of a univariate screen (for `select`).
struct BoundResult {
    var result: any Reportable
    /// For `cox ... ~ each(...)`: the terms as written, in the order of the screen's rows.
    var screenTerms: [SourcedTerm]?
    var name: Name
    var source: SourceFile
}

/// A model term with the source it was written in (terms travel between statements through
/// `terms(...)` and `select(...)`).
struct SourcedTerm {
    var term: FormulaTerm
    var source: SourceFile
    var text: String { source.slice(term.range) }
}

/// `levels column [...]`: the order of a column's values, as text (numbers as formatted,
/// booleans as `true`/`false`).
struct LevelOrder {
    var values: [String]
    var name: Name
    var source: SourceFile
}

/// `label column "Title" [value: "Text"]`.
struct VariableLabel {
    var title: String?
    var values: [String: String]
}

/// The names a script has bound: data sources, `let` columns, parameters, endpoints,
/// cohorts, and the settings in force. Definitions only; computed cohorts are cached by the
/// interpreter.
struct Environment {
    var tables: [String: Table] = [:]
    /// The path each table was loaded from, as written.
    var tablePaths: [String: String] = [:]
    /// Tables of databases, read when first needed (their `tables` entry has no rows).
    var databases: [String: DatabaseTable] = [:]
    var lets: [String: Bound] = [:]
    var params: [String: Scalar] = [:]
    var endpoints: [String: EndpointDefinition] = [:]
    var cohorts: [String: CohortDefinition] = [:]
    var results: [String: BoundResult] = [:]
    var termLists: [String: [SourcedTerm]] = [:]
    var levels: [String: LevelOrder] = [:]
    var labels: [String: VariableLabel] = [:]
    var settings = Settings()

    /// What kind of thing a name is bound to, if any (tables, cohorts and endpoints share
    /// one namespace so `cohort x | km x` is never ambiguous).
    func kindOf(_ name: String) -> String? {
        if tables[name] != nil { return "table" }
        if cohorts[name] != nil { return "cohort" }
        if endpoints[name] != nil { return "endpoint" }
        if results[name] != nil { return "result" }
        if termLists[name] != nil { return "term list" }
        return nil
    }
}
