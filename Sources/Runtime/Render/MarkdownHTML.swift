#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CCmark

/// Markdown to HTML through the system's cmark-gfm (GitHub Flavored Markdown: CommonMark
/// with the table, strikethrough and autolink extensions). Raw HTML in the Markdown passes
/// through (lart writes anchors and figures that way); typographic quotes and dashes are on.
public enum MarkdownHTML {
    /// The HTML fragment of `markdown` (no `<html>` or `<body>`).
    public static func render(_ markdown: String) -> String {
        cmark_gfm_core_extensions_ensure_registered()
        let options = CMARK_OPT_UNSAFE | CMARK_OPT_SMART | CMARK_OPT_GITHUB_PRE_LANG
        guard let parser = cmark_parser_new(options) else { return "" }
        defer { cmark_parser_free(parser) }
        for name in ["table", "strikethrough", "autolink"] {
            if let ext = cmark_find_syntax_extension(name) { cmark_parser_attach_syntax_extension(parser, ext) }
        }
        let bytes = Array(markdown.utf8)
        bytes.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { c in cmark_parser_feed(parser, c.baseAddress, c.count) }
        }
        guard let document = cmark_parser_finish(parser) else { return "" }
        defer { cmark_node_free(document) }
        guard let html = cmark_render_html(document, options, cmark_parser_get_syntax_extensions(parser)) else { return "" }
        defer { free(html) }
        return String(cString: html)
    }

    /// `text` escaped for HTML element content and attribute values.
    public static func escape(_ text: String) -> String { Runtime.escape(text) }
}
