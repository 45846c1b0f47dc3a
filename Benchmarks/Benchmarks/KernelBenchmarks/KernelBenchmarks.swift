// Kernel benchmarks: SGEMM 512³ on 1 and 2 threads, the packed GEMM shapes of the anchor
// models, the convolution kernels of cnn_small, and the int8 kernels beside their fp32
// counterparts. Each reports wall clock, throughput and a custom GFLOP/s metric (operations of
// the direct algorithm per second, so Winograd and direct convolution, and int8 and fp32,
// compare on the same scale: an int8 multiply-add counts as 2 operations).
import Benchmark
import NNZKernels
import NNZRuntime

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Deterministic values in [-1, 1).
func values(_ count: Int, seed: UInt64) -> UnsafeMutablePointer<Float> {
    let p = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * 4, alignment: 64).bindMemory(to: Float.self, capacity: max(1, count))
    var state = seed &+ 0x9E37_79B9_7F4A_7C15
    for i in 0..<count {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        p[i] = Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
    }
    return p
}

func zeros(_ count: Int) -> UnsafeMutablePointer<Float> {
    let p = values(count, seed: 0)
    p.update(repeating: 0, count: max(1, count))
    return p
}

func seconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

let gflops = BenchmarkMetric.custom("GFLOP/s", polarity: .prefersLarger, useScalingFactor: false)

/// Times `body` per iteration and records GFLOP/s for `flops` operations per call.
func measured(_ flops: Double, _ body: @escaping () -> Void) -> (Benchmark) -> Void {
    { benchmark in
        for _ in benchmark.scaledIterations {
            let start = seconds()
            body()
            let elapsed = seconds() - start
            benchmark.measurement(gflops, Int((flops / elapsed / 1e9).rounded()))
        }
    }
}

/// Pointers shared with the benchmark closures (set up once, never freed: the process ends).
struct Buffers: @unchecked Sendable {
    let a, b, c: UnsafeMutablePointer<Float>
}

/// The int8 benchmarks' pointers: float input, its bytes with per-row scale and zero point,
/// packed weights with their scales and bias, the output.
struct Int8Buffers: @unchecked Sendable {
    let x: UnsafeMutablePointer<Float>
    let q: UnsafeMutablePointer<UInt8>
    let r: UnsafeMutablePointer<Float>
    let zp: UnsafeMutablePointer<Int32>
    let packed: UnsafeMutableRawPointer
    let scales, bias, c: UnsafeMutablePointer<Float>
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, gflops],
        timeUnits: .microseconds,
        warmupIterations: 20,
        maxDuration: .seconds(2),
        maxIterations: 100_000
    )

    // SGEMM 512 x 512 x 512 through Kernels.sgemm (split by rows of C across threads).
    let n = 512
    let g = Buffers(a: values(n * n, seed: 1), b: values(n * n, seed: 2), c: zeros(n * n))
    for threads in [1, 2] {
        Benchmark("SGEMM 512x512x512 threads \(threads)",
                  closure: measured(2 * Double(n * n * n)) {
                      Kernels.sgemm(m: n, n: n, k: n, a: g.a, lda: n, b: g.b, ldb: n, c: g.c, ldc: n, threads: threads)
                  })
    }

    // Packed-weight GEMM (nnz_gemm_packed, bias + ReLU fused) at the anchor models' shapes.
    for (m, nOut, k, label) in [(1, 128, 64, "mlp_digits L1"), (1024, 128, 64, "mlp_digits L1"),
                                (1, 512, 784, "mlp_wide L1"), (1024, 512, 784, "mlp_wide L1"),
                                (1024, 256, 512, "mlp_wide L2"), (1, 128, 1568, "cnn_small dense"),
                                (1024, 128, 1568, "cnn_small dense")] {
        let packed = zeros(nnz_pack_b_size(Int32(k), Int32(nOut)))
        let weights = values(k * nOut, seed: 3)
        nnz_pack_b(Int32(k), Int32(nOut), weights, Int32(nOut), packed)
        let p = Buffers(a: values(m * k, seed: 4), b: packed, c: zeros(m * nOut))
        let bias = Buffers(a: values(nOut, seed: 5), b: weights, c: weights)
        Benchmark("gemm_packed \(m)x\(nOut)x\(k) (\(label))",
                  closure: measured(2 * Double(m * nOut * k)) {
                      nnz_gemm_packed(Int32(m), Int32(nOut), Int32(k), p.a, Int32(k), p.b, bias.a, NNZ_ACT_RELU, p.c, Int32(nOut))
                  })
    }

    // cnn_small's convolutions, one image: direct NHWC (packed weights, fused bias + ReLU),
    // Winograd with the fused 2x2 max-pool, and the training path (im2col + GEMM, NCHW).
    for (inC, size, outC) in [(1, 28, 16), (16, 14, 32)] {
        let k = inC * 9
        let flops = 2 * Double(size * size * outC * k)
        let weights = values(outC * k, seed: 6), bias = values(outC, seed: 7)
        let rowStride = (size + 2) * inC
        let padded = zeros((size + 2) * rowStride)
        let image = values(inC * size * size, seed: 8)
        nnz_nchw_to_nhwc(Int32(inC), Int32(size), Int32(size), image, padded + rowStride + inC, rowStride)
        let out = zeros(size * size * outC)
        let direct = zeros(nnz_conv_pack_size(Int32(outC), Int32(inC), 3, 3))
        nnz_conv_pack(Int32(outC), Int32(inC), 3, 3, weights, direct)
        let d = Buffers(a: padded, b: direct, c: out)
        let bb = Buffers(a: bias, b: weights, c: image)
        Benchmark("conv2d_nhwc \(inC)->\(outC) 3x3 \(size)x\(size) direct",
                  closure: measured(flops) {
                      nnz_conv2d_nhwc(Int32(size), Int32(size), Int32(inC), 3, 3, 1, 1, d.a, rowStride, d.b, bb.a,
                                      Int32(outC), NNZ_ACT_RELU, d.c, size * outC)
                  })
        Benchmark("conv2d_nhwc \(inC)->\(outC) 3x3 \(size)x\(size) direct + maxpool 2x2",
                  closure: measured(flops) {
                      nnz_conv2d_nhwc(Int32(size), Int32(size), Int32(inC), 3, 3, 1, 1, d.a, rowStride, d.b, bb.a,
                                      Int32(outC), NNZ_ACT_RELU, d.c, size * outC)
                      nnz_maxpool_nhwc(Int32(outC), Int32(size), Int32(size), d.c, size * outC, 2, 2, 2, 2, 0, 0,
                                       Int32(size / 2), Int32(size / 2), d.c + size * size * outC / 2, (size / 2) * outC)
                  })
        Benchmark("conv2d_nhwc \(inC)->\(outC) 3x3 \(size)x\(size) direct with fused maxpool 2x2",
                  closure: measured(flops) {
                      nnz_conv2d_nhwc_pool2(Int32(size), Int32(size), Int32(inC), 3, 3, 1, 1, d.a, rowStride, d.b, bb.a,
                                            Int32(outC), NNZ_ACT_RELU, d.c, (size / 2) * outC)
                  })
        let wino = zeros(nnz_winograd_pack_size(Int32(outC), Int32(inC)))
        nnz_winograd_pack(Int32(outC), Int32(inC), weights, wino)
        let w = Buffers(a: padded, b: wino, c: zeros(nnz_winograd_work_size(Int32(inC), Int32(outC))))
        Benchmark("conv3x3 winograd \(inC)->\(outC) \(size)x\(size) + fused maxpool 2x2",
                  closure: measured(flops) {
                      nnz_conv3x3_winograd_nhwc(Int32(size), Int32(size), Int32(inC), w.a, rowStride, w.b, bb.a, Int32(outC),
                                                NNZ_ACT_RELU, 2, d.c, (size / 2) * outC, w.c)
                  })
        // The trainer's forward pass (Conv2D.swift): im2col of the image, then W · col by
        // nnz_sgemm; bias and ReLU are separate passes there and are left out here.
        let columns = zeros(k * size * size)
        let nchw = Buffers(a: image, b: columns, c: out)
        Benchmark("im2col + sgemm \(inC)->\(outC) 3x3 \(size)x\(size) (training path, NCHW)",
                  closure: measured(flops) {
                      nnz_im2col(nchw.a, Int32(inC), Int32(size), Int32(size), 3, 3, 1, 1, 1, 1, Int32(size), Int32(size), nchw.b)
                      nnz_sgemm(0, 0, Int32(outC), Int32(size * size), Int32(k), 1, bb.b, Int32(k), nchw.b, Int32(size * size),
                                0, nchw.c, Int32(size * size))
                  })
    }

    // int8 (issue 10): per-row quantization + nnz_gemm_int8_packed (VNNI on the avx512 path)
    // against the fp32 packed GEMM at the same shape, and the int8 convolutions of cnn_small
    // (quantization of the image + conv with the fused 2x2 max-pool).
    for (m, nOut, k) in [(1024, 1024, 784), (1024, 512, 784), (1, 1024, 784)] {
        let int8Weights = UnsafeMutablePointer<Int8>.allocate(capacity: k * nOut)
        for i in 0..<(k * nOut) { int8Weights[i] = Int8(i % 255 - 127) }
        let packed = UnsafeMutableRawPointer.allocate(byteCount: nnz_int8_packed_size(Int32(k), Int32(nOut)), alignment: 64)
        nnz_int8_pack_b(int8Weights, Int32(k), Int32(nOut), packed)
        let x = values(m * k, seed: 9), c = zeros(m * nOut), scales = values(nOut, seed: 10), bias = values(nOut, seed: 11)
        let q = UnsafeMutablePointer<UInt8>.allocate(capacity: m * k)
        let r = zeros(m), zp = UnsafeMutablePointer<Int32>.allocate(capacity: m)
        let job = Int8Buffers(x: x, q: q, r: r, zp: zp, packed: packed, scales: scales, bias: bias, c: c)
        Benchmark("int8 quantize + gemm \(m)x\(nOut)x\(k) (\(Kernels.int8Path))",
                  closure: measured(2 * Double(m * nOut * k)) {
                      nnz_quantize_rows_u8(job.x, Int32(m), Int32(k), Int32(k), job.q, Int32(k), job.r, job.zp)
                      nnz_gemm_int8_packed(Int32(m), Int32(nOut), Int32(k), job.q, Int32(k), job.r, job.zp, job.packed, job.scales,
                                           job.bias, NNZ_ACT_RELU, job.c, Int32(nOut))
                  })
        let fp32 = zeros(nnz_pack_b_size(Int32(k), Int32(nOut)))
        nnz_pack_b(Int32(k), Int32(nOut), values(k * nOut, seed: 12), Int32(nOut), fp32)
        let f = Buffers(a: x, b: fp32, c: c)
        Benchmark("fp32 gemm_packed \(m)x\(nOut)x\(k) (beside int8)",
                  closure: measured(2 * Double(m * nOut * k)) {
                      nnz_gemm_packed(Int32(m), Int32(nOut), Int32(k), f.a, Int32(k), f.b, job.bias, NNZ_ACT_RELU, f.c, Int32(nOut))
                  })
    }
    for (inC, size, outC) in [(1, 28, 16), (16, 14, 32)] {
        let count = outC * inC * 9
        let int8Weights = UnsafeMutablePointer<Int8>.allocate(capacity: count)
        for i in 0..<count { int8Weights[i] = Int8(i % 255 - 127) }
        let packed = UnsafeMutableRawPointer.allocate(byteCount: nnz_int8_conv_pack_size(Int32(outC), Int32(inC), 3, 3), alignment: 64)
        nnz_int8_conv_pack(Int32(outC), Int32(inC), 3, 3, int8Weights, packed)
        let rowStride = (size + 2) * inC
        let image = values(size * size * inC, seed: 13)
        let q = UnsafeMutablePointer<UInt8>.allocate(capacity: (size + 2) * rowStride)
        let job = Int8Buffers(x: image, q: q, r: zeros(1), zp: UnsafeMutablePointer<Int32>.allocate(capacity: 1), packed: packed,
                              scales: values(outC, seed: 14), bias: values(outC, seed: 15), c: zeros(size * size * outC))
        Benchmark("int8 quantize + conv2d_nhwc \(inC)->\(outC) 3x3 \(size)x\(size) with fused maxpool 2x2 (\(Kernels.int8Path))",
                  closure: measured(2 * Double(size * size * outC * inC * 9)) {
                      nnz_quantize_nhwc_u8(Int32(inC), Int32(size), Int32(size), job.x, size * inC, 1, 1, job.q + rowStride + inC, rowStride,
                                           job.r, job.zp)
                      nnz_conv2d_int8_nhwc_pool2(Int32(size), Int32(size), Int32(inC), 3, 3, 1, 1, job.q, rowStride, job.r[0], job.zp[0],
                                                 job.packed, job.scales, job.bias, Int32(outC), NNZ_ACT_RELU, job.c, (size / 2) * outC)
                  })
    }
}
