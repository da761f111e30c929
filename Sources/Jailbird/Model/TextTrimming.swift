extension StringProtocol {
    /// The text without the blanks at either end: spaces, tabs and the other Unicode space
    /// separators (what Foundation's `CharacterSet.whitespaces` holds; line breaks stay).
    public func trimmingBlanks() -> String {
        trimming { $0 == "\t" || $0.properties.generalCategory == .spaceSeparator }
    }

    /// The text without the scalars at either end for which `isTrimmed` holds.
    public func trimming(_ isTrimmed: (Unicode.Scalar) -> Bool) -> String {
        let scalars = String(self).unicodeScalars
        guard let first = scalars.firstIndex(where: { !isTrimmed($0) }),
            let last = scalars.lastIndex(where: { !isTrimmed($0) })
        else { return "" }
        return String(Substring(scalars[first...last]))
    }
}
