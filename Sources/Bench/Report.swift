import Runtime

/// The Markdown report. bench/compare.R writes the same layout, so that the two files can be
/// read side by side (bench/sidebyside.py joins them).
enum Report {

    static func markdown(_ results: [Measurement], program: String, reader: String, notes: [String]) -> String {
        var s = "# Benchmark results: \(program)\n\n"
        s += "- Machine: \(System.cpuModel), \(System.processors) processors (nproc), \(System.memoryTotal) RAM\n"
        s += "- Date: \(System.dateUTC)\n"
        s += "- CSV reader: \(reader)\n"
        for note in notes { s += "- \(note)\n" }
        s += "\n## Times (seconds)\n\n"
        s += "| rows | " + Step.allCases.map(\.title).joined(separator: " | ") + " |\n"
        s += "|---:|" + String(repeating: "---:|", count: Step.allCases.count) + "\n"
        for m in results {
            s += "| \(m.rows) | " + Step.allCases.map { step in
                m.seconds[step].map { String(fixed: $0, digits: 4) } ?? "-"
            }.joined(separator: " | ") + " |\n"
        }
        s += "\n## Memory (MB = 10^6 bytes)\n\n"
        s += "| rows | CSV file | raw columns | peak RSS after load | peak RSS | peak / raw |\n"
        s += "|---:|---:|---:|---:|---:|---:|\n"
        for m in results {
            let ratio = m.rawBytes > 0 ? Double(m.peak) / Double(m.rawBytes) : .nan
            s += "| \(m.rows) | \(mb(m.fileBytes)) | \(mb(m.rawBytes)) | \(mb(m.peakAfterLoad)) | \(mb(m.peak)) | "
                + String(fixed: ratio, digits: 2) + " |\n"
        }
        if results.contains(where: { !$0.stepPeak.isEmpty }) {
            s += "\nPeak RSS during each analysis step (the loaded table included; the peak is reset before each step):\n\n"
            let steps = Step.allCases.filter { $0 != .load }
            s += "| rows | " + steps.map(\.title).joined(separator: " | ") + " |\n"
            s += "|---:|" + String(repeating: "---:|", count: steps.count) + "\n"
            for m in results {
                s += "| \(m.rows) | " + steps.map { m.stepPeak[$0].map(mb) ?? "-" }.joined(separator: " | ") + " |\n"
            }
        }
        s += "\n## Check values\n\n| rows | quantity | value |\n|---:|---|---:|\n"
        for m in results {
            for (name, v) in m.checks { s += "| \(m.rows) | \(name) | \(v) |\n" }
        }
        return s
    }

    static func mb(_ bytes: Int) -> String { String(fixed: Double(bytes) / 1e6, digits: 1) }
}
