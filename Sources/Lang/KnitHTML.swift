import Runtime

extension KnittedDocument {
    /// One self-contained HTML file: the Markdown rendered by cmark-gfm, figures inline as
    /// SVG, a small stylesheet for screen and print, and the provenance as a footer. No
    /// script, no external resource, no date: the same inputs give the same bytes.
    public func html() -> String {
        var body = MarkdownHTML.render(markdown)
        for (placeholder, figure) in figures {
            body = body.replacing("<p>" + placeholder + "</p>", with: figure)
        }
        let footer = MarkdownHTML.render(provenance.markdown(heading: "#### Provenance"))
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="lart \(MarkdownHTML.escape(provenance.version))">
            <title>\(MarkdownHTML.escape(KnittedDocument.plainTitle(title)))</title>
            <style>
            \(KnittedDocument.stylesheet)</style>
            </head>
            <body>
            <main>
            \(body)</main>
            <footer class="lart-provenance">
            \(footer)</footer>
            </body>
            </html>

            """
    }

    /// A heading's Markdown without emphasis and code marks, for `<title>`.
    static func plainTitle(_ s: String) -> String {
        String(s.filter { $0 != "*" && $0 != "_" && $0 != "`" })
    }

    /// Serif text in a column, tables with rules above and below as journals print them,
    /// figures scaled to the column, and print rules: A4 margins, no table or figure split
    /// across pages, links printed as text.
    static let stylesheet = """
        :root { --ink: #1a1a1a; --rule: #444; --muted: #666; }
        html { font-family: "Charter", "Georgia", "Times New Roman", serif; font-size: 17px; line-height: 1.5; color: var(--ink); background: #fff; }
        body { margin: 0; }
        main, footer { max-width: 46rem; margin: 0 auto; padding: 0 1.5rem; }
        main { padding-top: 2.5rem; }
        h1 { font-size: 1.7rem; line-height: 1.25; margin: 0 0 1rem; }
        h2 { font-size: 1.25rem; margin: 2.2rem 0 0.6rem; }
        h3 { font-size: 1.05rem; margin: 1.6rem 0 0.4rem; }
        p { margin: 0 0 0.9rem; }
        a { color: #1f4e8c; text-decoration: none; }
        a:hover { text-decoration: underline; }
        code, pre { font-family: "DejaVu Sans Mono", "Menlo", "Consolas", monospace; font-size: 0.8rem; }
        pre { background: #f5f5f2; border-left: 3px solid #c9c9c0; padding: 0.6rem 0.8rem; overflow-x: auto; line-height: 1.35; }
        table { border-collapse: collapse; margin: 0.4rem 0 1.2rem; font-family: "Helvetica Neue", "Arial", sans-serif; font-size: 0.78rem; line-height: 1.3; border-top: 1.5px solid var(--rule); border-bottom: 1.5px solid var(--rule); }
        thead th { border-bottom: 1px solid var(--rule); text-align: left; font-weight: 600; }
        th, td { padding: 0.22rem 0.6rem 0.22rem 0; vertical-align: top; }
        td[align="right"], th[align="right"] { text-align: right; padding-left: 0.6rem; }
        td[align="right"] { white-space: nowrap; font-variant-numeric: tabular-nums; }
        td:first-child { min-width: 7.5rem; }
        table + p { font-size: 0.78rem; line-height: 1.35; color: var(--muted); margin-top: -0.6rem; }
        .lart-block { margin: 1.2rem 0; }
        .lart-block > p:first-child { font-size: 0.9rem; margin-bottom: 0.3rem; }
        .lart-block p, .lart-block + p { hyphens: auto; }
        figure.lart-figure { margin: 1.2rem 0; text-align: center; }
        figure.lart-figure svg { width: 100%; height: auto; }
        figcaption { text-align: left; font-size: 0.9rem; margin-top: 0.4rem; }
        .lart-warning pre { background: #fff6e0; border-left-color: #d9a400; }
        footer.lart-provenance { margin-top: 3rem; padding-top: 0.6rem; padding-bottom: 2rem; border-top: 1px solid #ccc; color: var(--muted); font-size: 0.72rem; }
        footer.lart-provenance h4 { font-size: 0.8rem; margin: 0 0 0.3rem; }
        footer.lart-provenance ul { margin: 0; padding-left: 1.1rem; }
        footer.lart-provenance code { font-size: 0.68rem; word-break: break-all; }
        @media print {
          @page { size: A4; margin: 20mm 18mm; }
          html { font-size: 10.5pt; }
          main, footer { max-width: none; padding: 0; }
          main { padding-top: 0; }
          a { color: inherit; }
          table, figure, pre, .lart-block { break-inside: avoid; }
          figure.lart-figure svg { width: auto; max-width: 100% !important; }
          h1, h2, h3 { break-after: avoid; }
          pre { background: none; border-left: 1px solid #999; }
        }

        """
}
