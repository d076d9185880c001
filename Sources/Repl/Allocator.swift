import Runtime

extension Lart {
    /// The process entry point: applies lart's allocator settings (see `ProcessTuning`),
    /// then parses the command line and runs the command as ArgumentParser's `main` does.
    static func main() {
        ProcessTuning.configureAllocator()
        main(nil)
    }
}
