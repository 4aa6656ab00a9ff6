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
}
