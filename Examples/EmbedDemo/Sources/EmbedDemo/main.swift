// Classifies the rows given on the command line with a shipped model:
//   swift run EmbedDemo ../../Fixtures/models/mlp_all_meta.nnz 25,1025,55,4.3,410,15
import NNZRuntime
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

let arguments = CommandLine.arguments.dropFirst()
guard let path = arguments.first else {
    print("usage: EmbedDemo MODEL.nnz ROW [ROW…]   (a row is comma-separated numbers)")
    exit(64)
}
do {
    let model = try Model(path: path)
    for text in arguments.dropFirst() {
        let row = text.split(separator: ",").compactMap { Float(String($0)) }
        let result = try model.classify(row)
        let best = result.top(2).map { "\($0.label) \($0.score)" }.joined(separator: ", ")
        print("\(text) -> \(result.label)   (top 2: \(best))")
    }
} catch {
    print("EmbedDemo: \(error)")
    exit(1)
}
