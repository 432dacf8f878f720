extension AsyncSequence where Element == [UInt8] {
    /// Inflates gzip data: every member of a multi-member file, checking each member's CRC-32
    /// and length. The gzip-only form of ``decompressed(_:onWarning:)``.
    ///
    /// With `autoDetect`, input that does not start with the gzip magic bytes `1f 8b` passes
    /// through unchanged. Zero bytes after the last member are ignored; other trailing bytes
    /// are not output and are reported to `onWarning`. On truncated or corrupt input, every
    /// byte decoded before the fault is yielded first, then ``SluiceError/truncatedGzip(path:offset:)``
    /// or ``SluiceError/corruptGzip(path:offset:reason:)`` is thrown. Output chunks hold at
    /// most `outputSize` bytes, so memory stays flat whatever the compression ratio.
    /// `inflater` chooses ISA-L (the default) or zlib; their output is the same.
    public func gunzip(autoDetect: Bool = false, outputSize: Int = 256 << 10, inflater: Inflater = .isal,
                       onWarning: @escaping @Sendable (GunzipWarning) -> Void = GunzipWarning.ignore)
        -> AsyncGunzipSequence<Self> {
        var options = DecompressionOptions()
        options.codecs = [.gzip]
        options.passesThroughUnknown = autoDetect
        options.outputSize = outputSize
        options.inflater = inflater
        return AsyncDecompressedSequence(base: self, options: options, onWarning: onWarning)
    }

    /// Inflates gzip input, or passes the bytes through untouched when `decompress` is false;
    /// with `decompress` it is `gunzip(autoDetect: true)`. One type for both, for pipelines whose
    /// decompression is a run-time option.
    public func gunzipIfGzip(_ decompress: Bool = true, inflater: Inflater = .isal,
                             onWarning: @escaping @Sendable (GunzipWarning) -> Void = GunzipWarning.ignore)
        -> AsyncGunzipSequence<Self> {
        var options = DecompressionOptions()
        options.enabled = decompress
        options.codecs = [.gzip]
        options.inflater = inflater
        return AsyncDecompressedSequence(base: self, options: options, onWarning: onWarning)
    }
}

/// The warning of ``_Concurrency/AsyncSequence/gunzip(autoDetect:outputSize:inflater:onWarning:)``: trailing bytes after the last member.
public typealias GunzipWarning = DecompressionWarning

/// The inflated bytes of a gzip stream: ``AsyncDecompressedSequence`` restricted to gzip.
public typealias AsyncGunzipSequence<Base: AsyncSequence> = AsyncDecompressedSequence<Base> where Base.Element == [UInt8]
