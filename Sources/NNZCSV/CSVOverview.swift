// CSV input/output for nnz: Foundation-free, byte-level, streaming.
//
// Types
// -----
// * `CSVReader`      streaming RFC 4180 reader over a file descriptor (path, or "-" for stdin):
//                    record-by-record access (`nextRecord`, `field`, `string(at:)`,
//                    `float(at:)`), bulk numeric rows (`readFloatRows`), and whole-record
//                    chunks for parallel parsing (`nextChunk` / `consume`).
// * `CSVChunkParser` parses a block of records straight into a row-major `Float` matrix
//                    (`parseFloats`), finds quote-aware record boundaries (`recordBoundary`,
//                    `split`). Pure function of its inputs: safe to run on several threads on
//                    disjoint pieces of the same block.
// * `CSVColumnMap`   which CSV column goes to which output position (by header name or identity);
//                    unmapped columns are skipped without parsing.
// * `CSVError`       every failure: kind, path, line, column, byte offset, message, and a
//                    suggested sysexits code (66 cannot open, 74 I/O, 65 data).
// * `FloatParser`    decimal text → Float, bit-identical to strtof for the accepted syntax.
// * `FloatFormatter` Float → text: shortest round-trip (Swift's digits) or C's %.Ng.
// * `CSVWriter`      1 MiB buffered output with write(2) retry loops, CSV quoting, float rows.
//
// Sequential scoring loop
// -----------------------
//     let reader = try CSVReader(path: inputPath)             // "-" = stdin
//     guard let header = try reader.readHeader() else { /* empty input */ }
//     let (map, missing, ambiguous) = CSVColumnMap.byName(header: header, names: featureNames)
//     let rows = UnsafeMutablePointer<Float>.allocate(capacity: batch * featureCount)
//     while true {
//         let n = try reader.readFloatRows(columns: map!, into: rows, rowStride: featureCount,
//                                          maxRows: batch)
//         if n == 0 { break }
//         ... run the model on n rows, then writer.writeRow(...) per output row ...
//     }
//     try writer.flush()
//
// Two cores
// ---------
//     while let chunk = try reader.nextChunk() {              // whole records, ~bufferSize bytes
//         let ends = CSVChunkParser.split(chunk.bytes, parts: 2)
//         // piece k = chunk.bytes[(k == 0 ? 0 : ends[k-1]) ..< ends[k]], each parsed on its own
//         // thread with `parseFloats(piece, complete: true, ...)` into its own output rows
//         // (rows ≤ piece bytes / fieldCount + 1). Errors: the first piece's error wins; for
//         // piece k pass startLine = chunk.startLine + lines of pieces before it (or add them
//         // afterwards) and startOffset = chunk.startOffset + ends[k-1].
//         reader.consume(bytes: chunk.bytes.count, lines: sum of the pieces' `lines`)
//     }
//
// Memory stays flat: one input buffer (default 1 MiB; grows only for a single record larger
// than it, up to `maxRecordBytes`), one output buffer, and the caller's float rows.
