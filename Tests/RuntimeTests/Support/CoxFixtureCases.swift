import Foundation
import Testing
import TestSupport
@testable import Runtime

/// Builds the Cox models of the public fixtures from their CSVs, as each case's `model`
/// block describes them (R's formula, event definition, factor coding and na.omit).
struct CoxFixtureCase {
    var time: [Double]
    var event: [Bool]
    var design: CoxDesign
    var strata: [Int]?
    var dropped: Int

    enum Term {
        case numeric(String)
        /// factor(column) with name prefix, optional level order.
        case factor(column: String, name: String, levels: [String]?)
        /// Interaction of two terms given by index into the term list.
        case interaction(Int, Int)
        /// A derived numeric column.
        case derived(name: String, uses: [String], ([String: Double]) -> Double)
    }

    struct Spec {
        var csv: String
        var timeColumn: String
        var eventColumn: String
        var eventValue: Double
        var terms: [(String, Term)]
        var strata: String? = nil
    }

    static let celltypeLevels = ["squamous", "smallcell", "adeno", "large"]

    static func spec(_ id: String) -> Spec {
        let lung = { (terms: [(String, Term)], strata: String?) in
            Spec(csv: "lung", timeColumn: "time", eventColumn: "status", eventValue: 2, terms: terms, strata: strata)
        }
        let vet = { (terms: [(String, Term)], strata: String?) in
            Spec(csv: "veteran", timeColumn: "time", eventColumn: "status", eventValue: 1, terms: terms, strata: strata)
        }
        let lungMulti: [(String, Term)] = [
            ("age", .numeric("age")), ("factor(sex)", .factor(column: "sex", name: "factor(sex)", levels: nil)),
            ("ph.ecog", .numeric("ph.ecog")), ("ph.karno", .numeric("ph.karno")), ("wt.loss", .numeric("wt.loss")),
        ]
        let vetMulti: [(String, Term)] = [
            ("factor(trt)", .factor(column: "trt", name: "factor(trt)", levels: nil)),
            ("celltype", .factor(column: "celltype", name: "celltype", levels: celltypeLevels)),
            ("karno", .numeric("karno")), ("diagtime", .numeric("diagtime")), ("age", .numeric("age")),
            ("prior", .numeric("prior")),
        ]
        let mgus: [(String, Term)] = [
            ("age", .numeric("age")), ("sex", .factor(column: "sex", name: "sex", levels: nil)),
            ("hgb", .numeric("hgb")), ("creat", .numeric("creat")), ("mspike", .numeric("mspike")),
        ]
        switch id {
        case "lung.cox.sex": return lung([("sex", .numeric("sex"))], nil)
        case "lung.cox.age.breslow": return lung([("age", .numeric("age"))], nil)
        case "lung.cox.multi.efron", "lung.cox.multi.breslow", "lung.cox.multi.exact": return lung(lungMulti, nil)
        case "lung.cox.strata_ph.ecog":
            return lung([("age", .numeric("age")), ("factor(sex)", .factor(column: "sex", name: "factor(sex)", levels: nil))], "ph.ecog")
        case "lung.cox.interaction_age_sex":
            return lung([("age", .numeric("age")), ("factor(sex)", .factor(column: "sex", name: "factor(sex)", levels: nil)),
                         ("age:factor(sex)", .interaction(0, 1))], nil)
        case "veteran.cox.multi.efron", "veteran.cox.multi.breslow", "veteran.cox.multi.exact": return vet(vetMulti, nil)
        case "veteran.cox.celltype":
            return vet([("celltype", .factor(column: "celltype", name: "celltype", levels: celltypeLevels))], nil)
        case "veteran.cox.strata_celltype":
            return vet([("factor(trt)", .factor(column: "trt", name: "factor(trt)", levels: nil)), ("karno", .numeric("karno"))], "celltype")
        case "veteran.cox.interaction_trt_karno":
            return vet([("factor(trt)", .factor(column: "trt", name: "factor(trt)", levels: nil)), ("karno", .numeric("karno")),
                        ("factor(trt):karno", .interaction(0, 1))], nil)
        case "veteran.cox.monotone_likelihood":
            // The model text: cens_flag = 1 if status == 0 else 0.
            return vet([("cens_flag", .derived(name: "cens_flag", uses: ["status"]) { $0["status"]! == 0 ? 1 : 0 })], nil)
        case "mgus2.cox.tied.efron", "mgus2.cox.tied.breslow", "mgus2.cox.tied.exact":
            return Spec(csv: "mgus2", timeColumn: "futime", eventColumn: "death", eventValue: 1, terms: mgus)
        default:
            fatalError("no Cox fixture spec for \(id)")
        }
    }

    init(_ id: String) throws {
        let spec = CoxFixtureCase.spec(id)
        let table = try CSVReader.read(path: Fixture.path("public/\(spec.csv).csv"))
        func num(_ c: String) -> [Double] { table.doubles(c)! }
        // Variables the case uses, for na.omit.
        var numericUsed = [num(spec.timeColumn), num(spec.eventColumn)]
        var textUsed: [[String?]] = []
        for (_, t) in spec.terms {
            switch t {
            case .numeric(let c): numericUsed.append(num(c))
            case .factor(let c, _, _): textUsed.append(table.strings(c)!)
            case .interaction: break
            case .derived(_, let uses, _): numericUsed += uses.map(num)
            }
        }
        if let s = spec.strata { textUsed.append(table.strings(s)!) }
        let (kept, dropped) = DesignMatrix.completeRows(numeric: numericUsed, text: textUsed)

        var blocks: [DesignColumns] = []
        var named: [(name: String, columns: DesignColumns)] = []
        for (termName, t) in spec.terms {
            let block: DesignColumns
            switch t {
            case .numeric(let c): block = DesignMatrix.numeric(kept.map { num(c)[$0] }, name: c)
            case .factor(let c, let name, let levels):
                let values = table.strings(c)!
                block = try DesignMatrix.factor(values: kept.map { values[$0] }, levels: levels, name: name)
            case .interaction(let a, let b): block = DesignMatrix.interaction(blocks[a], blocks[b])
            case .derived(let name, let uses, let f):
                let cols = Dictionary(uniqueKeysWithValues: uses.map { ($0, num($0)) })
                block = DesignMatrix.numeric(kept.map { i in f(cols.mapValues { $0[i] }) }, name: name)
            }
            blocks.append(block)
            named.append((termName, block))
        }
        design = DesignMatrix.design(named)
        time = kept.map { num(spec.timeColumn)[$0] }
        let ev = num(spec.eventColumn)
        event = kept.map { ev[$0] == spec.eventValue }
        if let s = spec.strata {
            let values = table.strings(s)!
            let levels = DesignMatrix.sortedLevels(kept.compactMap { values[$0] })
            let code = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($0.element, $0.offset) })
            strata = kept.map { code[values[$0]!]! }
        } else {
            strata = nil
        }
        self.dropped = dropped
    }

    static func ties(of fixtureCase: [String: Any]) -> CoxTies {
        CoxTies(rawValue: (fixtureCase["options"] as! [String: Any])["ties"] as! String)!
    }

    /// Fits the case as R did.
    static func fit(_ fixture: Fixture, _ id: String) throws -> (CoxResult, CoxFixtureCase, [String: Any]) {
        let c = try fixture.case(id)
        let data = try CoxFixtureCase(id)
        var result = try Cox.fit(time: data.time, event: data.event, design: data.design, strata: data.strata,
                                 options: CoxOptions(ties: ties(of: c)))
        result.nDropped = data.dropped
        return (result, data, c)
    }

    /// Every case id of a type across the public fixtures (for "all cases covered" checks).
    static func caseIDs(ofType type: String) throws -> [String] {
        var ids: [String] = []
        for name in ["lung", "veteran", "mgus2"] {
            ids += try Fixture("public/\(name).ref.json").cases(ofType: type).map { $0["id"] as! String }
        }
        return ids
    }

    /// A case that refers to a Cox fit (`model.cox_case_id`), with that fit refitted here.
    static func withReferencedFit(_ id: String) throws -> (case: [String: Any], fit: CoxResult, data: CoxFixtureCase) {
        let fixture = try fixture(for: id)
        let c = try fixture.case(id)
        let coxID = (c["model"] as! [String: Any])["cox_case_id"] as! String
        let (fit, data, _) = try Self.fit(fixture, coxID)
        return (c, fit, data)
    }

    static func fixture(for id: String) throws -> Fixture {
        try Fixture("public/\(id.split(separator: ".")[0]).ref.json")
    }
}
