/// Recognises `chalk [global flags] exec ...` without swift-argument-parser.
enum ExecFastPath {
    /// Returns the arguments after `exec` (global flags before it are kept in front), or nil
    /// when the command is not `exec`.
    static func execArguments(_ args: [String]) -> [String]? {
        var i = 0
        var globals: [String] = []
        while i < args.count {
            let a = args[i]
            if a == "exec" { return globals + Array(args[(i + 1)...]) }
            guard a.hasPrefix("-") else { return nil }
            globals.append(a)
            // Global flags that take a value in the next argument.
            if ["--log-level", "--config-file", "--report-template"].contains(a), i + 1 < args.count {
                globals.append(args[i + 1]); i += 1
            }
            i += 1
        }
        return nil
    }
}
