import Foundation

/// Runs `/usr/bin/python3` (fail2ban's interpreter, and a source of independent readers such as
/// its csv module) with `arguments`, feeding `input` to its standard input; returns the exit
/// status and standard output. Standard error is discarded.
public func runPython(
    _ arguments: [String], input: Data? = nil, directory: String? = nil, environment: [String: String]? = nil
) throws -> (status: Int32, output: Data) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    if let environment { process.environment = environment }
    let output = Pipe()
    let standardInput = Pipe()
    process.standardOutput = output
    process.standardInput = standardInput
    process.standardError = FileHandle.nullDevice
    try process.run()
    if let input { standardInput.fileHandleForWriting.write(input) }
    try standardInput.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, data)
}

public struct PythonCSVError: Error, CustomStringConvertible {
    public var description: String
}

/// Parses CSV with Python's csv module (a real, independent RFC 4180 reader): one dictionary per
/// row, keyed by the header.
public func pythonCSV(_ text: String) throws -> [[String: String]] {
    let run = try runPython(
        ["-c", "import csv,sys,json; print(json.dumps(list(csv.DictReader(sys.stdin))))"], input: Data(text.utf8))
    guard run.status == 0, let rows = try JSONSerialization.jsonObject(with: run.output) as? [[String: String]] else {
        throw PythonCSVError(description: "python3's csv module could not read the CSV (status \(run.status))")
    }
    return rows
}
