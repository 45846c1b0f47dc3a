import NNZKernels

/// Which compute-kernel code path this process uses.
public enum Kernels {
    /// `"avx512"`, `"avx2"` or `"portable"`: chosen from the CPU at first use, or forced with
    /// the environment variable `NNZ_KERNELS=portable|avx2|avx512`.
    ///
    /// ```swift
    /// print(Kernels.path)   // "avx512"
    /// ```
    public static var path: String { String(cString: nnz_kernels_path()) }
}
