import Marking

/// How `chalk load` changes chalk's own mark (spec/mark-format.md §4): the pure part, so it can
/// be tested without rewriting a binary.
public enum SelfConfig {
    /// `$CHALK_IMPLEMENTATION_NAME` of this implementation (RULINGS 18).
    public static let implementationName = "chalk-swift"

    /// The self-mark after loading `source` as the embedded config (`nil`: `chalk load default`,
    /// which removes the embedded config). Every other key of the current mark is kept;
    /// `$CHALK_LOAD_COUNT` goes up by one (the first write gives 0).
    public static func updatedMark(current: ChalkObject?, configSource: String?) -> ChalkObject {
        var mark = current ?? ChalkObject()
        if let configSource {
            mark["$CHALK_CONFIG"] = .string(configSource)
        } else {
            mark["$CHALK_CONFIG"] = nil
            mark["$CHALK_COMPONENT_CACHE"] = nil
            mark["$CHALK_SAVED_COMPONENT_PARAMETERS"] = nil
        }
        let count = current?["$CHALK_LOAD_COUNT"]?.intValue ?? -1
        mark["$CHALK_LOAD_COUNT"] = .int(count + 1)
        mark["$CHALK_IMPLEMENTATION_NAME"] = .string(implementationName)
        return mark
    }

    /// The embedded config source in a self-mark, if any.
    public static func embeddedSource(in mark: ChalkObject?) -> String? {
        mark?["$CHALK_CONFIG"]?.stringValue
    }
}
