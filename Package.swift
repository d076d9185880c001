// swift-tools-version:6.0
import PackageDescription

// Dependency direction (see docs and README):
//   lart (Sources/Repl) -> Lang -> Runtime
//   lart -> CReadline (system GNU readline); Runtime -> CSQLite (system libsqlite3),
//   Runtime -> CCmark (system cmark-gfm: Markdown to HTML for `lart knit`),
//   Runtime -> CDynamic (system libpq for PostgreSQL, librsvg and cairo for PDF and PNG
//   figures: opened with dlopen when first needed, not linked)
// Runtime never imports Lang; Lang never touches a terminal.
let package = Package(
    name: "lart",
    products: [
        .executable(name: "lart", targets: ["lart"]),
        .library(name: "Runtime", targets: ["Runtime"]),
        .library(name: "Lang", targets: ["Lang"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCmark", path: "Sources/CCmark",
                       providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]),
        // libpq and librsvg, opened when first needed (dlopen): Debian's libpq-dev (its header
        // for the types) and librsvg2-dev (librsvg2-2 and cairo at run time).
        .target(name: "CDynamic", path: "Sources/CDynamic"),
        .target(name: "Runtime", dependencies: ["CSQLite", "CCmark", "CDynamic"], path: "Sources/Runtime"),
        .target(name: "Lang", dependencies: ["Runtime"], path: "Sources/Lang"),
        .systemLibrary(name: "CReadline", path: "Sources/CReadline", providers: [.apt(["libreadline-dev"])]),
        .executableTarget(
            name: "lart",
            dependencies: [
                "Lang", "Runtime", "CReadline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Repl"),
        .executableTarget(name: "lart-bench", dependencies: ["Runtime"], path: "Sources/Bench"),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "TestSupport"], path: "Tests/RuntimeTests"),
        .testTarget(name: "LangTests", dependencies: ["Lang", "Runtime", "TestSupport"], path: "Tests/LangTests",
                    exclude: ["Golden"]),
        .testTarget(name: "ReplTests", dependencies: ["lart"], path: "Tests/ReplTests", exclude: ["Golden"]),
    ]
)
