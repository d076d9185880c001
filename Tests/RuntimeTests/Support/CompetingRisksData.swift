import Testing
import TestSupport
@testable import Runtime

/// mgus2 with the competing-risks coding of the fixture README: etime = ptime if pstat == 1
/// else futime; status 1 (PCM) if pstat == 1, else 2 (death) if death == 1, else 0.
struct MGUS2CompetingRisks {
    let time: [Double]
    let status: [Int]
    let age: [Double]
    /// 0 = F, 1 = M (R's level order F, M).
    let sex: [Int]

    init() throws {
        let table = try CSVReader.read(path: Fixture.path("public/mgus2.csv"))
        let ptime = table.doubles("ptime")!, pstat = table.doubles("pstat")!
        let futime = table.doubles("futime")!, death = table.doubles("death")!
        time = ptime.indices.map { pstat[$0] == 1 ? ptime[$0] : futime[$0] }
        status = ptime.indices.map { pstat[$0] == 1 ? 1 : (death[$0] == 1 ? 2 : 0) }
        age = table.doubles("age")!
        sex = table.strings("sex")!.map { $0 == "M" ? 1 : 0 }
    }
}
