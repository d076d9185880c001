import Testing
@testable import Runtime

/// Model-matrix helpers: R's treatment contrasts, names and level order.
struct DesignMatrixTests {
    @Test func factorNamesAndReference() throws {
        let f = try DesignMatrix.factor(values: ["2", "1", nil, "10"], name: "factor(x)")
        // Numbers sort numerically, as factor() of a numeric vector.
        #expect(f.names == ["factor(x)2", "factor(x)10"])
        #expect(f.columns[0][0] == 1 && f.columns[0][1] == 0 && f.columns[0][2].isNaN)
        #expect(f.columns[1][3] == 1)
        let g = try DesignMatrix.factor(values: ["a", "b", "c"], reference: "b", name: "g")
        #expect(g.names == ["ga", "gc"])
        let h = try DesignMatrix.factor(values: ["large", "adeno"], levels: ["squamous", "smallcell", "adeno", "large"], name: "celltype")
        #expect(h.names == ["celltypesmallcell", "celltypeadeno", "celltypelarge"])
        #expect(throws: AnalysisError.self) { try DesignMatrix.factor(values: ["a"], reference: "z", name: "g") }
        #expect(throws: AnalysisError.self) { try DesignMatrix.factor(values: ["q"], levels: ["a"], name: "g") }
    }

    /// A check's factor (`.namesOnly`): the same names, reference and errors as the fit's,
    /// with no values written.
    @Test func factorNamesOnlyMatchesWritten() throws {
        let dictionary = ["squamous", "adeno", "small cell", "unused"]
        let codes: [UInt32] = [0, 1, Column.stringNA, 2, 1, 0]
        for (order, reference) in [(nil, nil), (["small cell", "adeno", "squamous"], nil), (nil, "squamous")] as [([String]?, String?)] {
            let written = try DesignMatrix.factor(codes: codes, dictionary: dictionary, order: order, reference: reference, name: "h")
            let named = try DesignMatrix.factor(codes: codes, dictionary: dictionary, order: order, reference: reference, name: "h", values: .namesOnly)
            #expect(named.names == written.names && named.reference == written.reference)
            #expect(written.columns.count == 2 && written.columns.allSatisfy { $0.count == codes.count })
            #expect(named.columns.count == written.columns.count && named.columns.allSatisfy(\.isEmpty))
        }
        for values in [DesignValues.written, .namesOnly] {
            #expect(throws: AnalysisError.self) { try DesignMatrix.factor(codes: codes, dictionary: dictionary, reference: "unused", name: "h", values: values) }
            #expect(throws: AnalysisError.self) { try DesignMatrix.factor(codes: [Column.stringNA], dictionary: dictionary, name: "h", values: values) }
        }
    }

    @Test func textLevelsSortLikeR() {
        #expect(DesignMatrix.sortedLevels(["b", "B", "a", "A", "apple", "Banana"]) == ["a", "A", "apple", "b", "B", "Banana"])
    }

    @Test func interactionOrderAndNames() throws {
        let a = try DesignMatrix.factor(values: ["x", "y", "z"], name: "f")      // fy, fz
        let b = DesignMatrix.numeric([1, 2, 3], name: "age")
        let ab = DesignMatrix.interaction(a, b)
        #expect(ab.names == ["fy:age", "fz:age"])
        #expect(ab.columns[1] == [0, 0, 3])
        let ba = DesignMatrix.interaction(b, a)
        #expect(ba.names == ["age:fy", "age:fz"])
        let design = DesignMatrix.design([("f", a), ("age", b), ("f:age", ab)])
        #expect(design.terms.map(\.columns) == [0..<2, 2..<3, 3..<5])
    }

    @Test func completeRowsIsNaOmit() {
        let (kept, dropped) = DesignMatrix.completeRows(numeric: [[1, .nan, 3, 4]], text: [["a", "b", nil, "d"]])
        #expect(kept == [0, 3])
        #expect(dropped == 2)
    }

    /// Many rows (two threads): columns without NaN are skipped after one read, infinite
    /// values are kept (R's na.omit drops NA and NaN only), and the kept rows gathered.
    @Test func completeRowsAndGatherOnManyRows() {
        let n = 70_001
        let a = (0..<n).map { Double($0 % 97) }
        var b = (0..<n).map { Double($0) / 3 }
        b[5] = .nan; b[n - 1] = .nan; b[40_000] = .infinity
        var c = [Double](repeating: 1, count: n)
        c[35_000] = .nan
        #expect(!DesignMatrix.hasNaN(a.withUnsafeBufferPointer { $0.baseAddress! }, count: n))
        #expect(DesignMatrix.hasNaN(b.withUnsafeBufferPointer { $0.baseAddress! }, count: n))
        let (kept, dropped) = DesignMatrix.completeRows(numeric: [a, b, c])
        #expect(dropped == 3)
        #expect(kept == (0..<n).filter { $0 != 5 && $0 != n - 1 && $0 != 35_000 })
        let design = CoxDesign(columnNames: ["a", "b", "c"], columns: [a, b, c]).rows(kept)
        #expect(design.columns[0] == kept.map { a[$0] })
        #expect(design.columns[1].map(\.bitPattern) == kept.map { b[$0].bitPattern })
        #expect(design.columns[2] == kept.map { c[$0] })
    }
}
