import CHyperscan
#if canImport(Glibc)
import Glibc
#endif

/// The instruction set Vectorscan databases are compiled for and scanned with: its SSE4.2
/// code, never its AVX2 or AVX-512 code, which give wrong answers in the version Debian ships
/// (5.4.9) near a buffer's end.
///
/// Measured on this project's machines (AVX-512 CPUs), block mode, `HS_FLAG_MULTILINE`:
/// - `[0-9]$` (also `[12]$`, `\d$`, `[0-9]+$`) on `x` repeated k times, `2` and a line feed finds
///   nothing for k from 16 to 62 with the default dispatch (AVX-512) except at k = 31 and 47, and
///   for k from 16 to 30 with the AVX2 code; the SSE4.2 and SSE2 code find every one;
/// - `[^\n]$` and `[^\n]\n` find nothing in 100 `x` and a line feed with the AVX-512 code
///   (upstream's negated vermicelli tail scan checks the wrong bytes of its last 64-byte
///   vector: VectorCamp/vectorscan pull request 378);
/// - so `grep -c -e '.$' -e q` of a one-line file of 100 bytes counted 0, and on a 2 MB real log
///   `-e '.$' -e zzz` lost 8 lines at buffer ends and `-E -e '[0-9]+$' -e zzz` put 4 matches
///   on the wrong line;
/// - random sets of 1 to 3 patterns (classes, negations, repetitions, anchors) on random
///   buffers of 0 to 200 bytes against Python's `re` (five seeds of 200 sets, 20 buffers each):
///   93 scans wrong with the default dispatch, 10 with the AVX2 code, none with the SSE4.2 code
///   (`scripts/vectorscan-differential.py`). Literal sets (`hs_compile_lit_multi`) missed a
///   match with the AVX-512 code too.
///
/// So on a CPU with AVX2 or AVX-512 whose Vectorscan exports its SSE4.2 entry point
/// (`corei7_hs_scan`, in its fat runtime), databases are compiled without those feature bits
/// and scanned through that entry point. On an older CPU the library's own dispatch never picks
/// the wide code. A Vectorscan without that entry point (not a fat runtime) on a CPU with wide
/// vectors is not used at all: `usable` is false and the callers fall back to PCRE2 and the
/// hashed literal engine.
struct VectorscanTarget: Sendable {
    /// What `hs_compile_multi` and `hs_compile_lit_multi` are given (`nil`: the host's).
    let platform: hs_platform_info_t?
    /// The address of the scan function (`hs_scan` or `corei7_hs_scan`).
    private let scanAddress: UInt
    /// Whether Vectorscan may be used at all.
    let usable: Bool

    typealias Scan = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UInt32, UInt32, OpaquePointer?,
                                     match_event_handler?, UnsafeMutableRawPointer?) -> hs_error_t

    /// Decided once per process from the CPU and the library: both are fixed for its life.
    static let current = VectorscanTarget()

    private init() {
        var host = hs_platform_info_t()
        let wide = UInt64(HS_CPU_FEATURES_AVX2) | UInt64(HS_CPU_FEATURES_AVX512) | UInt64(HS_CPU_FEATURES_AVX512VBMI)
        guard hs_populate_platform(&host) == HS_SUCCESS, host.cpu_features & wide != 0 else {
            platform = nil
            scanAddress = UInt(bitPattern: unsafeBitCast(hs_scan as Scan, to: UnsafeRawPointer.self))
            usable = true
            return
        }
        guard let sse = dlsym(nil, "corei7_hs_scan") else {
            platform = nil
            scanAddress = 0
            usable = false
            return
        }
        host.cpu_features = 0
        platform = host
        scanAddress = UInt(bitPattern: sse)
        usable = true
    }

    /// `hs_scan` through the chosen entry point.
    func scan(_ database: OpaquePointer, _ data: UnsafePointer<CChar>, _ length: UInt32, _ scratch: OpaquePointer,
              _ onEvent: match_event_handler?, _ context: UnsafeMutableRawPointer?) -> hs_error_t {
        let function = unsafeBitCast(UnsafeRawPointer(bitPattern: scanAddress)!, to: Scan.self)
        return function(database, data, length, 0, scratch, onEvent, context)
    }

    /// Calls `body` with the platform to compile for (`nil`: the host's).
    func withPlatform<R>(_ body: (UnsafePointer<hs_platform_info_t>?) -> R) -> R {
        guard var platform else { return body(nil) }
        return withUnsafePointer(to: &platform) { body($0) }
    }
}
