import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Every element of an SVG with its attributes and text, read with Foundation's XMLParser.
public final class SVGElements: NSObject, XMLParserDelegate {
    public struct Element {
        public var name: String
        public var attributes: [String: String]
        public var text = ""
    }
    public private(set) var all = [Element]()
    private var open = [Int]()

    public static func parse(_ svg: String) -> (SVGElements, Bool) {
        let doc = SVGElements()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = doc
        return (doc, parser.parse())
    }

    public func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                       attributes: [String: String] = [:]) {
        all.append(Element(name: name, attributes: attributes))
        open.append(all.count - 1)
    }

    public func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let i = open.last { all[i].text += string }
    }

    public func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        _ = open.popLast()
    }

    public func of(class c: String) -> [Element] { all.filter { $0.attributes["class"] == c } }
    public var svg: Element { all[0] }
    public var texts: [String] { all.filter { $0.name == "text" }.map(\.text) }
    /// Every font size in the document (the root's and each element's own).
    public var fontSizes: [Double] { all.compactMap { $0.attributes["font-size"].flatMap(Double.init) } }
}

