/// An analysis that cannot be carried out on the data given (bad input, no events, ...).
public struct AnalysisError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
