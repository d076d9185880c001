import Testing
@testable import Runtime

/// Rows of a result's part addressed without the groupings' names.
struct ResultFrameKeyTests {
    @Test func shortKeysLeaveOutTheGroupingsNames() {
        #expect(ResultFrame.withoutGroupingNames("sex: F, tki: yes") == "F, yes")
        #expect(ResultFrame.withoutGroupingNames("age@sex: F") == "age@F")
        #expect(ResultFrame.withoutGroupingNames("omd") == "omd")
        #expect(ResultFrame.withoutGroupingNames("note: a: b") == "a: b")   // one name per grouping
        #expect(ResultFrame.withoutGroupingNames("x y: 1") == "x y: 1")     // not a name
        let frame = ResultFrame(name: "median", keyColumn: "group", names: ["group", "n"],
                                columns: [Column.fromStrings(["sex: F", "sex: M", "F"]), .double([1, 2, 3])])
        #expect(frame.row("sex: M") == 1)
        #expect(frame.row("M") == 1)
        #expect(frame.row("F") == 2)          // an exact key first
        #expect(frame.row("G") == nil)
        let twice = ResultFrame(name: "at", keyColumn: "key", names: ["key"],
                                columns: [Column.fromStrings(["a: x", "b: x"])])
        #expect(twice.row("x") == nil)        // two rows read "x": neither
    }
}
