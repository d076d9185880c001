#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Runtime

/// A registry extract as clinics export them (issue 10): 14 columns, two ISO dates, three
/// text columns, missing values written both ways (empty fields and `NA`), about 69 bytes
/// per row. Seeded (its own stream of `Xoshiro256`), so every run writes the same file.
///
///   id            1, 2, ... (integer)
///   age           30-90 (integer), 2% empty
///   sex           "F"/"M"
///   diagnosis     ISO date, uniform 2005-01-01 .. 2019-12-31
///   histology     8 levels ("adeno", "squamous", "small cell", ...)
///   site          12 levels (ICD-O-3 topography: "C34", "C50", ...)
///   stage         1-4, 3% `NA`
///   ecog          0-3, 5% empty
///   bmi           16-40, 1 decimal, 4% `NA`
///   albumin       25-50 g/L, 1 decimal
///   last_contact  ISO date: diagnosis + follow-up
///   time          months from diagnosis to last contact (days / 30.4375, 2 decimals)
///   status        0/1 (an event of either cause)
///   cause         0 censored, 1 cancer death, 2 other death
///
/// Hazards per month: cause 1 0.015 exp(lp), lp = 0.03 (age - 60) + 0.3 [M] + 0.25 [stage
/// >= 3] + 0.4 [small cell]; cause 2 0.006; censoring 0.01, administrative at 180 months.
enum Registry {
    static let seed: UInt64 = 20_251_110
    static let header = "id,age,sex,diagnosis,histology,site,stage,ecog,bmi,albumin,last_contact,time,status,cause\n"
    static let columns = ["id", "age", "sex", "diagnosis", "histology", "site", "stage", "ecog", "bmi", "albumin",
                          "last_contact", "time", "status", "cause"]
    /// The columns the typical script of `run` uses (7 of 14).
    static let scriptColumns = ["age", "sex", "histology", "bmi", "time", "status", "cause"]
    static let histologies = ["adeno", "squamous", "small cell", "large cell", "carcinoid", "mixed", "nos", "other"]
    static let histologyWeights = [0.40, 0.25, 0.12, 0.08, 0.04, 0.05, 0.04, 0.02]
    /// ICD-O-3 topography (lung, breast, colon, rectum, prostate, ovary, kidney, bladder,
    /// pancreas, stomach, liver, skin).
    static let sites = ["C34", "C50", "C18", "C20", "C61", "C56", "C64", "C67", "C25", "C16", "C22", "C44"]

    static func write(rows: Int, to path: String) throws {
        var rng = Xoshiro256(seed: seed)
        let hist = histologies.map { Array($0.utf8) }, site = sites.map { Array($0.utf8) }
        let na = Array("NA".utf8)
        let firstDay = Int(CivilDate(year: 2005, month: 1, day: 1)!.days), lastDay = Int(CivilDate(year: 2019, month: 12, day: 31)!.days)
        try Cohort.stream(to: path, header: header, rows: rows) { buf, i in
            let age = 30 + Int(rng.uniform() * 61)
            let ageMissing = rng.uniform() < 0.02
            let male = rng.uniform() < 0.5
            let diagnosis = firstDay + Int(rng.uniform() * Double(lastDay - firstDay + 1))
            var u = rng.uniform(), h = 0
            while h < histologyWeights.count - 1, u >= histologyWeights[h] { u -= histologyWeights[h]; h += 1 }
            let s = Int(rng.uniform() * Double(sites.count))
            let stage = 1 + Int(rng.uniform() * 4)
            let stageMissing = rng.uniform() < 0.03
            let ecog = Int(rng.uniform() * 4)
            let ecogMissing = rng.uniform() < 0.05
            let bmi = Int64(160 + rng.uniform() * 240)
            let bmiMissing = rng.uniform() < 0.04
            let albumin = Int64(250 + rng.uniform() * 250)
            let lp = 0.03 * Double(age - 60) + (male ? 0.3 : 0) + (stage >= 3 ? 0.25 : 0) + (h == 2 ? 0.4 : 0)
            let (t, observed, cause) = rng.competing(rate1: 0.015 * exp(lp), rate2: 0.006, censoring: 0.01, end: 180)
            let days = max(1, Int((t * 30.4375).rounded()))
            let months = Int64((Double(days) / 30.4375 * 100).rounded())

            appendInt(&buf, i + 1); buf.append(44)
            if !ageMissing { appendInt(&buf, age) }; buf.append(44)
            buf.append(male ? 77 : 70); buf.append(44)
            appendDate(&buf, diagnosis); buf.append(44)
            buf.append(contentsOf: hist[h]); buf.append(44)
            buf.append(contentsOf: site[s]); buf.append(44)
            if stageMissing { buf.append(contentsOf: na) } else { appendInt(&buf, stage) }; buf.append(44)
            if !ecogMissing { appendInt(&buf, ecog) }; buf.append(44)
            if bmiMissing { buf.append(contentsOf: na) } else { Cohort.appendFixed(&buf, bmi, decimals: 1) }; buf.append(44)
            Cohort.appendFixed(&buf, albumin, decimals: 1); buf.append(44)
            appendDate(&buf, diagnosis + days); buf.append(44)
            Cohort.appendFixed(&buf, max(1, months), decimals: 2); buf.append(44)
            buf.append(observed ? 49 : 48); buf.append(44)
            buf.append(observed ? UInt8(48 + cause) : 48); buf.append(10)
        }
    }

    static func appendInt(_ buf: inout [UInt8], _ v: Int) { Cohort.appendFixed(&buf, Int64(v), decimals: 0) }

    static func appendDate(_ buf: inout [UInt8], _ days: Int) {
        buf.append(contentsOf: Array(CivilDate(days: Int32(days)).description.utf8))
    }
}
