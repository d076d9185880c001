/// Radiotherapy dose arithmetic used by the study.
///
/// - EQD2 (equivalent dose in 2 Gy fractions) of a total dose D in n fractions of d = D/n Gy:
///   EQD2 = D (d + a/b) / (2 + a/b).
/// - BED (biologically effective dose): BED = D (1 + d / (a/b)).
/// Both from the linear-quadratic model (Fowler, Br J Radiol 1989;62:679-694; Joiner & van
/// der Kogel, Basic Clinical Radiobiology, ch. 8). a/b = 10 Gy for tumour is the study's choice.
///
/// - LART dose criteria (the study's definition of an ablative course, by fraction count):
///   1 fx >= 12 Gy, 2 fx >= 20 Gy, 3 fx >= 24 Gy, 4 fx >= 48 Gy, 5 fx >= 30 Gy,
///   10 fx >= 50 Gy, or exactly 45 Gy in 15 fx. Any other fractionation is not LART.
public enum Radiotherapy {
    public static func eqd2(totalDose: Double, fractions: Double, alphaBeta: Double = 10) -> Double {
        guard fractions > 0, !totalDose.isNaN, !fractions.isNaN else { return .nan }
        let d = totalDose / fractions
        return totalDose * (d + alphaBeta) / (2 + alphaBeta)
    }

    public static func bed(totalDose: Double, fractions: Double, alphaBeta: Double = 10) -> Double {
        guard fractions > 0, !totalDose.isNaN, !fractions.isNaN else { return .nan }
        let d = totalDose / fractions
        return totalDose * (1 + d / alphaBeta)
    }

    /// Minimum total dose (Gy) by fraction count for the LART criteria; 15 fractions require
    /// exactly 45 Gy.
    public static let lartMinimumDose: [Int: Double] = [1: 12, 2: 20, 3: 24, 4: 48, 5: 30, 10: 50]

    /// nil when either value is missing.
    public static func meetsLARTCriteria(totalDose: Double, fractions: Double) -> Bool? {
        guard !totalDose.isNaN, !fractions.isNaN else { return nil }
        guard fractions == fractions.rounded(), fractions >= 1 else { return false }
        let n = Int(fractions)
        if n == 15 { return abs(totalDose - 45) < 1e-9 }
        guard let minimum = lartMinimumDose[n] else { return false }
        return totalDose >= minimum - 1e-9
    }
}

/// Oligometastatic disease states (Guckenberger et al., Lancet Oncol 2020;21:e18-e28), as the
/// registry codes them.
public enum DiseaseState: String, Sendable, CaseIterable {
    case synchronousOligometastasis = "synchronous_oligometastasis"
    case repeatOligoprogression = "repeat_oligoprogression"
    case repeatOligorecurrence = "repeat_oligorecurrence"
    case repeatOligopersistence = "repeat_oligopersistence"
}
