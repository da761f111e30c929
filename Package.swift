// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "jailbird",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "jailbird", targets: ["jailbird"]),
        .library(name: "Jailbird", targets: ["Jailbird"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
    ],
    targets: [
        // zlib from the system (Debian: zlib1g-dev). inflateInit2 is a macro, so shim.h wraps it.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        // The gzip inflater: ISA-L's igzip, loaded at run time where libisal.so.2 is installed
        // (Debian: libisal2; its header, from libisal-dev, is needed to build that path), else zlib.
        .target(name: "CInflate", dependencies: ["CZlib"], linkerSettings: [.linkedLibrary("z")]),
        // Small C helpers Swift cannot express: memmem/memrchr declarations and the SIGBUS guard
        // that keeps a truncated memory-mapped file from killing the process.
        .target(name: "CJailbirdSupport"),
        // The engine: input, scanning, formats, model, output. No ArgumentParser, no print, no wall clock.
        .target(
            name: "Jailbird",
            dependencies: [
                "CInflate",
                "CJailbirdSupport",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // The thin command-line layer.
        .target(
            name: "JailbirdCLI",
            dependencies: [
                "Jailbird",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "jailbird", dependencies: ["JailbirdCLI"]),
        // Benchmark and log generator. It times the `jailbird` binary as a child process, and the
        // jail simulator in process (`jailbird-bench simulate`), hence the library.
        .executableTarget(name: "jailbird-bench", dependencies: ["Jailbird"]),
        // Helpers both test targets use (running python3 for fail2ban and independent readers).
        .target(name: "JailbirdTestSupport", path: "Tests/JailbirdTestSupport"),
        .testTarget(name: "JailbirdTests", dependencies: ["Jailbird", "JailbirdTestSupport"]),
        // End-to-end: runs the built `jailbird` binary on fixtures.
        .testTarget(name: "JailbirdCLITests", dependencies: ["jailbird", "JailbirdTestSupport"]),
    ]
)
