/// The file codecs in Chalk's priority order (spec/mark-format.md §3.0): zip, python_pyc, elf,
/// source, elf_last_resort. The first codec whose `scan` claims a file wins.
public enum CodecRegistry {
    /// Every file codec, highest priority first.
    public static func fileCodecs() -> [any Codec] {
        var codecs: [any Codec] = []
        codecs.append(ZipCodec())
        codecs.append(PythonBytecodeCodec())
        codecs.append(ELFCodec())
        codecs.append(SourceCodec())
        codecs.append(ElfLastResortCodec())
        return codecs
    }

    /// The first codec in `codecs` that claims `input`, with its scan.
    public static func claim(_ input: ArtifactInput, operation: OperationKind,
                             codecs: [any Codec]) throws(MarkingError) -> (codec: any Codec, scan: CodecScan)? {
        for codec in codecs {
            if let scan = try codec.scan(input, operation: operation) { return (codec, scan) }
        }
        return nil
    }

    /// The codecs that may hold a native executable's mark on Linux (chalk's own, for one),
    /// highest priority first.
    public static func nativeCodecs() -> [any Codec] { [ELFCodec(), ElfLastResortCodec()] }

    /// The mark that `claim(ArtifactFiles.read(path), operation: .extract, codecs: nativeCodecs())`
    /// finds, but for a well-formed ELF reads only the ELF structure and the mark's section
    /// (`ELFCodec.readMarkOnly`) instead of the whole file: chalk reads its own 20-40 MB binary
    /// this way on every run. Anything else is read whole and claimed as before.
    public static func nativeMark(atPath path: String) throws(MarkingError) -> ChalkObject? {
        if case .claimed(let mark, _) = ELFCodec.readMarkOnly(path: path) { return mark }
        let input = try ArtifactFiles.read(path)
        return try claim(input, operation: .extract, codecs: nativeCodecs())?.scan.mark
    }
}
