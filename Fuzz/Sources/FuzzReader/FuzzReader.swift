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
    // writes the lowest version that describes the model, so a 1.3 file of 1.0 kinds comes back
    // as 1.0.)
    if let again = try? NNZWriter.encode(file) {
        let back = try? NNZReader.decode(again)
        precondition(back?.formatVersion == file.minimumReaderVersion, "re-encoded model does not read back")
        precondition(back.flatMap { try? NNZWriter.encode($0) } == again, "re-encoded model reads back differently")
    }
    let cost = runCost(validated)
    if cost.values <= 1 << 22, cost.multiplyAdds <= 1 << 25, let model = try? Model(validated: validated) {
        _ = try? model.predict([Float](repeating: 0.5, count: model.inputWidth))
    }
    return 0
}

/// What running one sample costs: the values the runtime holds (input, every output, padded
/// conv inputs, the im2col copy) and the multiply-adds. Files within the format's limits can
/// still need gigabytes or minutes, which is legal but would trip libFuzzer's -rss_limit_mb or
/// -timeout, so only models under a small budget are run (see `fuzz`).
func runCost(_ model: ValidatedModel) -> (values: Int, multiplyAdds: Int) {
    var values = model.file.inputElementCount
    var multiplyAdds = 0
    var input = model.file.inputShape
    for (layer, output) in zip(model.file.layers, model.layerOutputShapes) {
        let outputCount = output.reduce(1, *)
        switch layer {
        case .conv2d(let c) where input.count == 3:
            values += input[0] * (input[1] + 2 * c.padHeight) * (input[2] + 2 * c.padWidth)
            let perOutput = c.inChannels * c.kernelHeight * c.kernelWidth
            values += outputCount / max(c.outChannels, 1) * perOutput
            multiplyAdds += outputCount * perOutput
        case .dense(let d):
            multiplyAdds += d.inputs * d.outputs
        case .maxPool(let p):
            // Pooling windows have no tensor to bound them: kernel_h·kernel_w may reach 2^49.
            multiplyAdds = saturatingSum(multiplyAdds, saturatingProduct(outputCount, p.kernelHeight, p.kernelWidth))
        case .avgPool(let p):
            multiplyAdds = saturatingSum(multiplyAdds, saturatingProduct(outputCount, p.kernelHeight, p.kernelWidth))
        case .globalAvgPool:
            multiplyAdds += input.reduce(1, *)
        default:
            multiplyAdds += outputCount
        }
        values += outputCount
        input = output
    }
    return (values, multiplyAdds)
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

/// `a + b`, or `Int.max` when it overflows.
func saturatingSum(_ a: Int, _ b: Int) -> Int {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? .max : sum
}

/// The product of `factors`, or `Int.max` when it overflows.
func saturatingProduct(_ factors: Int...) -> Int {
    factors.reduce(1) { let (p, overflow) = $0.multipliedReportingOverflow(by: $1); return overflow ? .max : p }
}
