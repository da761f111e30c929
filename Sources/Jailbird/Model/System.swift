import CJailbirdSupport

/// Facts about the machine the engine needs (the core has no other access to it).
enum System {
    /// The processors this process may run on: its affinity mask, so `taskset -c 0` gives 1
    /// (Foundation's `activeProcessorCount` counts every online processor).
    static var usableProcessorCount: Int { Int(jb_usable_processor_count()) }
}
