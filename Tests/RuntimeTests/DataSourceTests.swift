import Foundation
import Testing
@testable import Runtime

/// The kinds of data source: one picks the kind from the location, each describes its
/// columns, reads the columns asked for and names itself in errors.
struct DataSourceTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let csv = repo.appendingPathComponent("examples/data/lart_registry.csv").path
    static let sqlite = repo.appendingPathComponent("examples/data/lart_registry.sqlite").path

    @Test func kindFromLocation() {
        #expect(DataSources.kind(of: "data/x.csv").kindName == "CSV")
        #expect(DataSources.kind(of: "data/x.txt").kindName == "CSV")
        #expect(DataSources.kind(of: "study.sqlite").kindName == "SQLite")
        #expect(DataSources.kind(of: "study.sqlite3").kindName == "SQLite")
        #expect(DataSources.kind(of: "study.db").kindName == "SQLite")
    }

    @Test func csvAndSQLiteDescribeTheSameColumns() throws {
        let a = try DataSources.open(Self.csv, .all)
        let b = try DataSources.open(Self.sqlite, .all)
        let da = try a.describe(), db = try b.describe()
        #expect(da.map(\.name) == db.map(\.name))
        #expect(da.map(\.kind) == db.map(\.kind))
        #expect(da.first { $0.name == "lart_date" }?.kind == .date)
        #expect(a.displayName == "lart_registry.csv")
        #expect(b.displayName == "lart_registry.sqlite")
    }

    @Test func readsTheColumnsAskedFor() throws {
        for source in [try DataSources.open(Self.csv, .all), try DataSources.open(Self.sqlite, .table("patients"))] {
            let t = try source.read(columns: ["lart_date", "age"])
            #expect(t.names == ["age", "lart_date"])
            #expect(t.rowCount == 311)
            #expect(throws: DataError.self) { try source.read(columns: ["agee"]) }
        }
    }

    @Test func errorsNameTheSource() throws {
        let e = #expect(throws: DataError.self) { try DataSources.open(Self.csv, .table("patients")) }
        #expect(e?.description == "\(Self.csv): `table` and `query` read from a database: a PostgreSQL URL (postgresql://...) or an SQLite database (.sqlite, .sqlite3, .db); a CSV file is one table")
        let missing = #expect(throws: DataError.self) { try DataSources.open(Self.csv, .all).read(columns: ["nope"]) }
        #expect(missing?.column == "nope")
    }
}
