#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FuzzSupport
import NNZFormat
import NNZRuntime

/// Feeds arbitrary bytes to the reader; a valid model is also compiled and run once, so the
/// runtime sees every shape the reader lets through. Any crash, hang or sanitizer report is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let validated = try? NNZReader.decodeValidated(bytes) else { return 0 }
    let file = validated.file
    // The reader's checks and the in-memory validator must agree on what is valid.
    precondition((try? ValidatedModel(file))?.layerOutputShapes == validated.layerOutputShapes,
                 "the reader accepted a model that in-memory validation refuses or shapes differently")
    // Re-encoding what was read must give a file that reads back to the same bytes. (Compared as
    // bytes, not as ModelFile values: a tensor may hold NaN, which is never == itself. The writer
    // writes its own format version, so a 1.1 file comes back as 1.0.)
    if let again = try? NNZWriter.encode(file) {
        let back = try? NNZReader.decode(again)
        precondition(back?.formatVersion == FormatVersion.current, "re-encoded model does not read back")
        precondition(back.flatMap { try? NNZWriter.encode($0) } == again, "re-encoded model reads back differently")
    }
    if activationElements(validated) <= 1 << 22, let model = try? Model(validated: validated) {
        _ = try? model.predict([Float](repeating: 0.5, count: model.inputWidth))
    }
    return 0
}

/// Elements the runtime holds for one sample (input, every output, padded conv inputs): files
/// within the format's limits can still need gigabytes, which is legal but would trip
/// libFuzzer's -rss_limit_mb, so only models under a small budget are run.
func activationElements(_ model: ValidatedModel) -> Int {
    var total = model.file.inputElementCount
    var input = model.file.inputShape
    for (layer, output) in zip(model.file.layers, model.layerOutputShapes) {
        if case .conv2d(let c) = layer, input.count == 3 {
            total += input[0] * (input[1] + 2 * c.padHeight) * (input[2] + 2 * c.padWidth)
        }
        total += output.reduce(1, *)
        input = output
    }
    return total
}

/// Structure-aware mutation (see ModelFileMutator): most mutated files are re-framed with valid
/// CRCs so that they get past the checksum checks; set NNZ_FUZZ_RAW=1 to fuzz without it.
@_cdecl("LLVMFuzzerCustomMutator")
public func customMutator(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int, _ seed: UInt32) -> Int {
    if rawMutationOnly { return LLVMFuzzerMutate(data, size, maxSize) }
    precondition(crcMatchesTheSpec, "the mutator's CRC-32 gives the wrong check value")
    return ModelFileMutator.mutate(data, size, maxSize, seed)
}

/// Chunk-level crossover (see ModelFileMutator.crossOver); 0 lets libFuzzer skip the attempt.
@_cdecl("LLVMFuzzerCustomCrossOver")
public func customCrossOver(_ data1: UnsafePointer<UInt8>, _ size1: Int, _ data2: UnsafePointer<UInt8>, _ size2: Int,
                            _ out: UnsafeMutablePointer<UInt8>, _ maxOutSize: Int, _ seed: UInt32) -> Int {
    if rawMutationOnly { return 0 }
    return ModelFileMutator.crossOver(data1, size1, data2, size2, out, maxOutSize, seed)
}

/// NNZ_FUZZ_RAW=1: libFuzzer's plain mutations only (to compare coverage with and without).
let rawMutationOnly: Bool = getenv("NNZ_FUZZ_RAW").map { String(cString: $0) == "1" } ?? false

/// FORMAT.md §1's check value: a wrong CRC would silently turn every re-framed file back into a
/// checksum failure.
let crcMatchesTheSpec = CRC32.of(Array("123456789".utf8)) == 0xCBF4_3926
