// swift-tools-version:6.0
// libFuzzer targets for lart. A package of its own, so that `swift build` and `swift test`
// at the repository root never build them: see README.md here for the commands.
import PackageDescription

let fuzz: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "lart-fuzz",
    dependencies: [.package(name: "lart", path: "../..")],
    targets: [
        .executableTarget(name: "lart-fuzz-parser", dependencies: [.product(name: "Lang", package: "lart")],
                          path: "Sources/lart-fuzz-parser", swiftSettings: fuzz),
        .executableTarget(name: "lart-fuzz-interpreter",
                          dependencies: [.product(name: "Lang", package: "lart"), .product(name: "Runtime", package: "lart")],
                          path: "Sources/lart-fuzz-interpreter", swiftSettings: fuzz),
        .executableTarget(name: "lart-fuzz-csv", dependencies: [.product(name: "Runtime", package: "lart")],
                          path: "Sources/lart-fuzz-csv", swiftSettings: fuzz),
        .executableTarget(name: "lart-fuzz-sqlite", dependencies: [.product(name: "Runtime", package: "lart")],
                          path: "Sources/lart-fuzz-sqlite", swiftSettings: fuzz),
    ]
)
