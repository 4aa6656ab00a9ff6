import CBuildInfo

/// This project's own semantic version (RULINGS 18) and build identity.
enum ChalkVersion {
    static let string = "0.1.0"
    static let implementationName = "chalk-swift"
    static var commit: String { String(cString: chalk_build_commit()) }
}
