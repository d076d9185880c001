import ArgumentParser
import Lang
import Runtime
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// `lart knit paper.md -o paper.html`: runs the document's lart blocks in one session and
/// writes it with their results, as HTML (one self-contained file), Markdown (figures in
/// `paper_files/`) or Word (through pandoc).
struct Knit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the lart blocks of a Markdown document and write it with their results.",
        discussion: """
            The output's extension chooses the format: .html (one self-contained file, figures \
            inline), .md (figures in NAME_files/ beside it) or .docx (through pandoc). Nothing is \
            written when a block fails; the error names the block and its line.
            """)

    @Argument(help: "The Markdown document (```lart blocks, `lart: ...` inline results).") var file: String
    @Option(name: .shortAndLong, help: "The output file: .html, .md or .docx (default: the document's name with .html).")
    var output: String?
    @Option(name: .long, help: "Rebind a parameter of the document: --param registry=other.csv (repeatable).") var param: [String] = []

    enum Kind { case html, markdown, docx }

    func run() throws {
        let overrides = try parseParams(param)
        let out = output ?? stem(file) + ".html"
        let kind: Kind
        let lower = out.lowercased()
        if lower.hasSuffix(".html") || lower.hasSuffix(".htm") { kind = .html }
        else if lower.hasSuffix(".md") || lower.hasSuffix(".markdown") { kind = .markdown }
        else if lower.hasSuffix(".docx") { kind = .docx }
        else { throw ValidationError("the output is .html, .md or .docx, got '\(out)'") }
        if canonical(out) == canonical(file) { throw ValidationError("the output would overwrite the document: name another file with -o") }
        guard let text = readText(file) else {
            writeErr("error: cannot read \(file): no such file or not readable")
            throw ExitCode(ExitStatus.usage)
        }
        // Found before anything runs: a folder that is missing or not writable.
        if let reason = TextFile.cannotWrite(out) {
            writeErr("error: cannot write \(out): \(reason)")
            throw ExitCode(ExitStatus.usage)
        }
        let pandoc = kind == .docx ? findExecutable("pandoc") : nil
        if kind == .docx, pandoc == nil {
            writeErr("error: writing .docx needs pandoc, which is not installed (not found on PATH); install it (Debian: apt-get install pandoc), or write .html or .md")
            throw ExitCode(ExitStatus.scriptError)
        }
        // Word's figures live in a temporary folder whose name must not depend on the output's.
        let folder = kind == .docx ? "figures" : basename(stem(out)) + "_files"
        // Word takes figures as PNG (300 dpi, rendered by librsvg); the others keep the SVG.
        let options = KnitOptions(target: kind == .html ? .html : .markdown, filesFolder: folder,
                                  figureExtension: kind == .docx ? "png" : "svg")
        let session = Interpreter(baseDirectory: directory(of: file), overrides: overrides)
        let document: KnittedDocument
        do {
            document = try session.knit(text, name: file, options: options)
        } catch let e as KnitError {
            writeErr(e.description)
            throw ExitCode(ExitStatus.scriptError)
        }
        for m in document.messages { writeErr(m) }
        do {
            switch kind {
            case .html:
                try OutputFiles.write(document.html(), to: out)
            case .markdown:
                if !document.files.isEmpty {
                    let path = directory(of: out) + "/" + folder
                    try OutputFiles.makeFolder(path)
                    for f in document.files { try OutputFiles.write(f.contents, to: path + "/" + f.name) }
                }
                try OutputFiles.write(document.markdown, to: out)
            case .docx:
                try writeWord(document, folder: folder, pandoc: pandoc ?? "pandoc", to: out)
            }
        } catch let e as DataError {
            writeErr("error: \(e.description)")
            throw ExitCode(ExitStatus.scriptError)
        }
        print("\(out) written")
    }

    /// The Markdown and its figures (PNG) in a temporary folder, pandoc to a .docx there, then
    /// the .docx renamed into place. `SOURCE_DATE_EPOCH` (0 unless set) keeps pandoc's
    /// zip dates fixed, so the same inputs give the same bytes.
    func writeWord(_ document: KnittedDocument, folder: String, pandoc: String, to out: String) throws {
        let work = try OutputFiles.temporaryFolder()
        defer { OutputFiles.removeFolder(work + "/" + folder); OutputFiles.removeFolder(work) }
        try OutputFiles.makeFolder(work + "/" + folder)
        for f in document.files {
            let path = work + "/" + folder + "/" + f.name
            if f.isFigure, f.name.hasSuffix(".png") {
                try Raster.write(svg: f.contents, to: path, format: .png(dpi: 300))
            } else {
                try OutputFiles.write(f.contents, to: path)
            }
        }
        try OutputFiles.write(document.markdown, to: work + "/document.md")
        let status = spawn(pandoc, ["-f", "gfm", "-t", "docx", "--resource-path=" + work, "-o", work + "/document.docx", work + "/document.md"],
                           environment: ["SOURCE_DATE_EPOCH": getenv("SOURCE_DATE_EPOCH").map { String(cString: $0) } ?? "0"])
        guard status == 0 else { throw DataError(file: out, message: "pandoc failed (exit status \(status))") }
        try OutputFiles.write(try CSVReader.readFile(work + "/document.docx"), to: out)
    }
}

/// `paper.md` -> `paper`; `dir/paper.md` -> `dir/paper`.
func stem(_ path: String) -> String {
    let slash = path.lastIndex(of: "/")
    guard let dot = path.lastIndex(of: "."), slash.map({ dot > $0 }) ?? true else { return path }
    return String(path[..<dot])
}

func basename(_ path: String) -> String { path.split(separator: "/").last.map(String.init) ?? path }

/// The absolute path, for telling whether two names are one file (nil if it does not exist).
func canonical(_ path: String) -> String? {
    guard let r = realpath(path, nil) else { return nil }
    defer { free(r) }
    return String(cString: r)
}

/// The first executable `name` on PATH.
func findExecutable(_ name: String) -> String? {
    let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
    for dir in path.split(separator: ":") where !dir.isEmpty {
        let candidate = dir + "/" + name
        if access(candidate, X_OK) == 0 { return candidate }
    }
    return nil
}

/// Runs a program with the current environment plus `environment`; returns its exit status.
/// Its standard output goes to standard error (ours is the command's result).
func spawn(_ program: String, _ arguments: [String], environment: [String: String]) -> Int32 {
    var env = [String]()
    var i = 0
    while let entry = environ[i] {
        let s = String(cString: entry)
        let key = s.split(separator: "=", maxSplits: 1).first.map(String.init) ?? s
        if environment[key] == nil { env.append(s) }
        i += 1
    }
    for (k, v) in environment.sorted(by: { $0.key < $1.key }) { env.append(k + "=" + v) }
    let argv = ([program] + arguments).map { strdup($0) } + [nil]
    let envp = env.map { strdup($0) } + [nil]
    defer { for p in argv { free(p) }; for p in envp { free(p) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO)
    var pid = pid_t()
    let rc = posix_spawn(&pid, program, &actions, nil, argv, envp)
    guard rc == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1, errno == EINTR {}
    // WIFEXITED / WEXITSTATUS
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}
