// swift-tools-version:6.2
import PackageDescription

// CHALK_STATIC_CURL=<prefix>: fully static release build against the minimal libcurl that
// scripts/build-static-curl.sh installed in <prefix> (plus Debian's libcares.a, libssl.a,
// libcrypto.a, libz.a). Unset: ordinary dynamic build against the system libcurl, for dev and tests.
// The static build must also be invoked with `-Xswiftc -static-executable` (scripts/build-static.sh).
let staticCurl = Context.environment["CHALK_STATIC_CURL"].flatMap { $0.isEmpty ? nil : $0 }

// Static archives are order-sensitive and SwiftPM de-duplicates `-l` flags, so the static
// libraries are linked once, as one group, through the CCurl target; CCrypto then links
// nothing of its own (libcrypto is in the group).
let curlLinkerSettings: [LinkerSetting] = staticCurl.map { prefix in [
    // libcurl.a by full path: Debian's own libcurl.a (libcurl4-openssl-dev) sits in a directory
    // the linker searches first.
    .unsafeFlags(["-Xlinker", "--start-group",
                  "-Xlinker", "\(prefix)/lib/libcurl.a", "-Xlinker", "-lcares", "-Xlinker", "-lssl", "-Xlinker", "-lcrypto",
                  "-Xlinker", "-lz", "-Xlinker", "--end-group"]),
] } ?? [.linkedLibrary("curl")]
let cryptoLinkerSettings: [LinkerSetting] = staticCurl == nil ? [.linkedLibrary("crypto")] : []

let curlInclude: [CSetting] = staticCurl.map { [.unsafeFlags(["-I\($0)/include"])] } ?? []
let curlSwiftInclude: [SwiftSetting] = staticCurl.map { [.unsafeFlags(["-Xcc", "-I\($0)/include"])] } ?? []

// The static chalk starts at CExecLaunch's `chalk_entry`, which starts exec's workload before
// glibc's own start-up (its CPUID probing costs ~0.4 ms in a VM), then jumps to glibc's `_start`.
let staticEntryPoint: [LinkerSetting] = staticCurl == nil ? [] : [.unsafeFlags(["-Xlinker", "-e", "-Xlinker", "chalk_entry"])]

// INJECTOR_COMMIT_ID comes from the build, never from running git (RULINGS 18).
let buildCommit = Context.gitInformation?.currentCommit ?? "0000000000000000000000000000000000000000"

/// Warnings are errors for this project's own targets only (RULINGS 26).
let strict: [SwiftSetting] = [.treatAllWarnings(as: .error)]

// MARK: - chalk-server (issue 8): the ingest server. Everything it adds is in this block.
// It never links into the `chalk` binary, so it may use Foundation and NIO-based packages.

let serverProducts: [Product] = [
    .executable(name: "chalk-server", targets: ["chalk-server"]),
    .library(name: "Ingest", targets: ["Ingest"]),
]

let serverDependencies: [Package.Dependency] = [
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
]

let serverTargets: [Target] = [
    // chalk-server's SQLite VFS shim (one pwrite per commit for the WAL, not two per page);
    // links the system libsqlite3 that GRDB uses.
    .target(name: "CSQLiteWALBuffer", linkerSettings: [.linkedLibrary("sqlite3")]),
    .target(
        name: "Ingest",
        dependencies: [
            "CCrypto",
            "CSQLiteWALBuffer",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
        ],
        swiftSettings: strict),
    .executableTarget(
        name: "chalk-server",
        dependencies: [
            "Ingest",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ],
        swiftSettings: strict),
    .testTarget(
        name: "IngestTests",
        dependencies: ["Ingest", "CSQLiteWALBuffer", "ChalkTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
        swiftSettings: strict),
]

let package = Package(
    name: "chalk",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "chalk", targets: ["chalk"]),
    ] + serverProducts,
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ] + serverDependencies,
    targets: [
        // C shims: what Swift can't call directly.
        .target(name: "CChalkSys"),
        // chalk exec's pre-main launcher: linked into the chalk executable only.
        .target(name: "CExecLaunch", dependencies: ["CChalkSys"]),
        .target(name: "CCrypto", linkerSettings: cryptoLinkerSettings),
        .target(name: "CBuildInfo", cSettings: [.define("CHALK_BUILD_COMMIT", to: "\"\(buildCommit)\"")]),
        .target(name: "CCurl", cSettings: curlInclude, linkerSettings: curlLinkerSettings),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib"),

        // The product's own modules (see ../shared/DESIGN.md).
        .target(name: "ChalkLog", swiftSettings: strict),
        .target(name: "Supervisor", dependencies: ["CChalkSys", "ChalkLog"], swiftSettings: strict),
        .target(name: "Marking", dependencies: ["CCrypto", "CZlib", "ChalkLog"], swiftSettings: strict),
        .target(name: "Config", dependencies: ["Marking"], swiftSettings: strict),
        .target(name: "Reporting",
                dependencies: ["Marking", "Config", "CCurl", "CCrypto", "CBuildInfo", "CChalkSys", "CZlib", "ChalkLog"],
                swiftSettings: strict + curlSwiftInclude),
        .target(name: "Operations",
                dependencies: ["Marking", "Config", "Reporting", "CBuildInfo"],
                swiftSettings: strict + curlSwiftInclude),
        .target(name: "Docker", dependencies: ["Marking", "Config", "Reporting", "Operations", "ChalkLog"],
                swiftSettings: strict + curlSwiftInclude),
        .executableTarget(
            name: "chalk",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "Supervisor", "Marking", "Config", "Reporting", "Operations", "Docker", "CBuildInfo", "CChalkSys", "CExecLaunch", "ChalkLog",
            ],
            swiftSettings: strict + curlSwiftInclude,
            linkerSettings: staticEntryPoint),

        // Tests.
        .target(name: "ChalkTestSupport", path: "Tests/ChalkTestSupport", swiftSettings: strict),
        .testTarget(name: "MarkingTests", dependencies: ["Marking", "ChalkTestSupport"], swiftSettings: strict),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "ChalkTestSupport"], swiftSettings: strict),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting", "ChalkTestSupport"],
                    swiftSettings: strict + curlSwiftInclude),
        .testTarget(name: "SupervisorTests", dependencies: ["Supervisor", "ChalkTestSupport"], swiftSettings: strict),
        .testTarget(name: "OperationsTests", dependencies: ["Operations", "ChalkTestSupport"],
                    swiftSettings: strict + curlSwiftInclude),
        .testTarget(name: "DockerTests", dependencies: ["Docker", "Marking", "Config", "ChalkTestSupport"],
                    swiftSettings: strict + curlSwiftInclude),
        .testTarget(name: "CLITests", dependencies: ["ChalkTestSupport"], swiftSettings: strict),
    ] + serverTargets
)

