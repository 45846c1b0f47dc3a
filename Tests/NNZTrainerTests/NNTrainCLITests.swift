import Foundation
import NNZFormat
import NNZTestSupport
import XCTest

/// End-to-end: the built `nntrain` binary, its stdout, stderr and exit code.
final class NNTrainCLITests: XCTestCase {
    var temporary: String!

    override func setUpWithError() throws {
        temporary = NSTemporaryDirectory() + "nntrain-tests-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let temporary { try? FileManager.default.removeItem(atPath: temporary) }
    }

    /// Runs the built `nntrain` in the test's temporary directory.
    func nntrain(_ arguments: [String]) throws -> CommandResult {
        try runCommand("nntrain", arguments, workingDirectory: temporary)
    }

    func write(_ name: String, _ text: String) -> String {
        let path = temporary + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    var moons: String { fixturesDirectory + "/moons.csv" }

    func testTrainsAndWritesAModelWithOneLinePerEpochWhenPiped() throws {
        let run = try nntrain([moons, "--target", "label", "--layers", "8,tanh,2,softmax", "--epochs", "3", "--validation", "0.2", "-o", "m.nnz"])
        XCTAssertEqual(run.exitCode, 0, run.stderr)
        XCTAssertEqual(run.stdout.split(separator: "\n").filter { $0.hasPrefix("epoch ") }.count, 3, run.stdout)
        XCTAssertTrue(run.stdout.contains("epoch 3/3  loss "), run.stdout)
        XCTAssertTrue(run.stdout.contains("val_acc"), run.stdout)
        XCTAssertTrue(run.stdout.contains("wrote m.nnz"), run.stdout)
        XCTAssertFalse(run.stdout.contains("\u{1B}"), "no terminal control codes when piped")
        let model = try NNZReader.read(path: temporary + "/m.nnz")
        XCTAssertEqual(model.metadata.classLabels, ["0", "1"])
        XCTAssertEqual(model.metadata["training.dataset"], .string("moons.csv"))
        XCTAssertEqual(model.metadata["training.validation_rows"], .number(40))
    }

    func testSameSeedSameBytes() throws {
        var files: [Data?] = []
        for seed in ["3", "3", "4"] {
            XCTAssertEqual(try nntrain([moons, "--layers", "8,relu,dropout:0.2,2,softmax", "--epochs", "4", "--seed", seed, "-q", "-o", "s.nnz"]).exitCode, 0)
            files.append(FileManager.default.contents(atPath: temporary + "/s.nnz"))
        }
        XCTAssertNotNil(files[0])
        XCTAssertEqual(files[0], files[1])
        XCTAssertNotEqual(files[0], files[2])
    }

    func testQuietPrintsNothing() throws {
        try AssertExecuteCommand("nntrain", [moons, "--epochs", "2", "--quiet", "-o", "q.nnz"], workingDirectory: temporary,
                                 stdout: "", stderr: "")
    }

    func testBadDataExits65WithFileLineColumn() throws {
        let csv = write("bad.csv", "a,b,label\n1,2,0\n3,oops,1\n")
        try AssertExecuteCommand("nntrain", [csv, "--target", "label", "-o", "x.nnz"], workingDirectory: temporary, stdout: "",
                                 stderr: "nntrain: error: \(csv):3:2: found \"oops\" in column \"b\", expected a finite number\n", exitCode: 65)
        XCTAssertFalse(FileManager.default.fileExists(atPath: temporary + "/x.nnz"))
    }

    func testMissingInputExits66() throws {
        let run = try nntrain(["nope.csv", "--target", "label"])
        XCTAssertEqual(run.exitCode, 66)
        XCTAssertTrue(run.stderr.hasPrefix("nntrain: error: nope.csv: "), run.stderr)
    }

    func testUsageErrorsExit64() throws {
        let layers = try nntrain([moons, "--layers", "16,relu,2,sotfmax"])
        XCTAssertEqual(layers.exitCode, 64)
        XCTAssertTrue(layers.stderr.contains("--layers: column 11 (\"sotfmax\"): unknown layer"), layers.stderr)
        let classes = try nntrain([moons, "--layers", "16,relu,3,softmax"])
        XCTAssertEqual(classes.exitCode, 65)
        XCTAssertTrue(classes.stderr.contains("the last layer has 3 outputs but the data have 2 classes"), classes.stderr)
        XCTAssertEqual(try nntrain([moons, "--optimizer", "adamw"]).exitCode, 64)
        XCTAssertEqual(try nntrain([moons, "--no-such-flag"]).exitCode, 64)
        XCTAssertEqual(try nntrain([moons, "--layers", "conv:4:3,2,softmax"]).exitCode, 64)
    }

    func testAMistypedChoiceIsAUsageErrorThatNamesTheChoices() throws {
        try AssertExecuteCommand("nntrain", [moons, "--optimizer", "adamw"], workingDirectory: temporary, stdout: "", stderr: """
            Error: The value 'adamw' is invalid for '--optimizer <name>'. Please provide one of 'sgd', 'momentum', 'adagrad', 'rmsprop' or 'adam'.
            Help:  --optimizer <name>  The update rule (default adam).
            Usage: nntrain [train] <data.csv> [--target <column>] [--layers <list>] [<options>]
                   nntrain example <name> [--output <file>] [--plot <file.png>]
                   nntrain example --list
              See 'nntrain train --help' for more information.

            """, exitCode: 64)
        for (option, typo, names) in [("--loss", "mae", "'cross-entropy', 'mse' or 'sse'"), ("--reduction", "avg", "'mean' and 'sum'"),
                                      ("--init", "zeros", "'he', 'glorot' or 'scaled-normal'"),
                                      ("--normalize", "l2", "'standard', 'minmax' or 'none'"),
                                      ("--dropout-convention", "classic-ish", "'inverted' and 'scale'"),
                                      ("--task", "ranking", "'auto', 'classification' or 'regression'")] {
            let run = try nntrain([moons, option, typo])
            XCTAssertEqual(run.exitCode, 64, option)
            XCTAssertEqual(run.stdout, "", option)
            XCTAssertTrue(run.stderr.hasPrefix("Error: The value '\(typo)' is invalid for '\(option) <"), run.stderr)
            XCTAssertTrue(run.stderr.contains(">'. Please provide one of \(names).\n"), run.stderr)
        }
        // The same names in a config file: the same usage error, in nntrain's own words.
        let config = write("typo.json", "{\"optimizer\": \"adamw\"}")
        try AssertExecuteCommand("nntrain", [moons, "--config", config], workingDirectory: temporary, stdout: "",
                                 stderr: "nntrain: error: --optimizer: expected sgd, momentum, adagrad, rmsprop or adam, found \"adamw\"\n",
                                 exitCode: 64)
        let example = try nntrain(["example", "moon"])
        XCTAssertEqual(example.exitCode, 64)
        XCTAssertTrue(example.stderr.hasPrefix("Error: The value 'moon' is invalid for '<name>'. Please provide one of the following:\n  - moons-sigmoid\n"),
                      example.stderr)
    }

    func testChoiceAliasesAndLetterCaseAreAcceptedAsBefore() throws {
        let canonical = ["--optimizer", "adam", "--normalize", "standard", "--loss", "cross-entropy", "--reduction", "sum",
                         "--init", "glorot", "--dropout-convention", "scale", "--task", "classification"]
        let aliases = ["--optimizer", "ADAM", "--normalize", "zscore", "--loss", "ce", "--reduction", "SUM",
                       "--init", "xavier", "--dropout-convention", "classic", "--task", "Classification"]
        var files: [Data] = []
        for (name, choices) in [("canonical.nnz", canonical), ("aliases.nnz", aliases)] {
            try AssertExecuteCommand("nntrain", [moons, "--layers", "4,relu,dropout:0.2,2,softmax", "--epochs", "1", "--name", "m", "-q", "-o", name] + choices,
                                     workingDirectory: temporary, stdout: "", stderr: "")
            files.append(try XCTUnwrap(FileManager.default.contents(atPath: temporary + "/" + name)))
        }
        XCTAssertEqual(files[0], files[1], "an alias trains exactly what its canonical name does")
        let model = try NNZReader.read(path: temporary + "/aliases.nnz")
        XCTAssertEqual(model.metadata["training.optimizer"], .string("adam"))
        XCTAssertEqual(model.metadata["training.gradient_reduction"], .string("sum"))
        XCTAssertEqual(model.metadata["training.learning_rate"], .number(Double(Float(0.001))), "adam's default rate, however it is spelled")
    }

    func testUnwritableOutputExits74() throws {
        let run = try nntrain([moons, "--epochs", "1", "-q", "-o", temporary + "/no/such/dir/m.nnz"])
        XCTAssertEqual(run.exitCode, 74)
        XCTAssertTrue(run.stderr.contains("cannot create the file"), run.stderr)
    }

    func testConfigFileWithConvLayersAndInputShape() throws {
        let config = write("cnn.json", """
        {
          "target": "label",
          "input_shape": [1, 8, 8],
          "layers": ["conv:4:3:pad=1", {"type": "batchnorm"}, "relu", {"type": "maxpool", "size": 2},
                     {"type": "dropout", "rate": 0.25, "convention": "scale"}, 16, "relu", 10, "softmax"],
          "optimizer": "momentum", "lr": 0.05, "epochs": 2, "batch_size": 64, "seed": 1, "normalize": "minmax"
        }
        """)
        let run = try nntrain([fixturesDirectory + "/digits_test.csv", "--config", config, "--epochs", "1", "-o", "cnn.nnz"])
        XCTAssertEqual(run.exitCode, 0, run.stderr)
        let model = try NNZReader.read(path: temporary + "/cnn.nnz")
        XCTAssertEqual(model.inputShape, [1, 8, 8])
        XCTAssertEqual(model.layers.map(\.kindName), ["conv2d", "batchnorm", "relu", "maxpool", "dropout", "flatten", "dense", "relu", "dense", "softmax"])
        XCTAssertEqual(model.metadata["training.epochs"], .number(1), "flags override the file")
        XCTAssertEqual(model.metadata["training.optimizer"], .string("momentum"))
    }

    /// The format 1.1 kinds from a config file's layer objects and from --layers; the written
    /// model is a 1.1 file.
    func testConfigAndLayersWithAveragePoolingAndLeakyReLU() throws {
        let config = write("gap.json", """
        {
          "target": "label",
          "input_shape": [1, 8, 8],
          "layers": ["conv:4:3:pad=1", {"type": "leakyrelu", "alpha": 0.2}, {"type": "avgpool", "size": 2, "padding": 1, "include_pad": true},
                     {"type": "avgpool", "size": 3, "stride": 1}, {"type": "globalavgpool"}, 10, "softmax"],
          "epochs": 1, "batch_size": 64, "seed": 1
        }
        """)
        let run = try nntrain([fixturesDirectory + "/digits_test.csv", "--config", config, "-o", "gap.nnz"])
        XCTAssertEqual(run.exitCode, 0, run.stderr)
        let model = try NNZReader.read(path: temporary + "/gap.nnz")
        XCTAssertEqual(model.formatVersion, .v1_1)
        XCTAssertEqual(model.layers, [
            .conv2d(Conv2DLayer(inChannels: 1, outChannels: 4, kernelHeight: 3, kernelWidth: 3, padHeight: 1, padWidth: 1)),
            .leakyRelu(alpha: 0.2),
            .avgPool(AvgPoolLayer(kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2, padHeight: 1, padWidth: 1, countIncludePad: true)),
            .avgPool(AvgPoolLayer(kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1)),
            .globalAvgPool, .flatten, .dense(DenseLayer(inputs: 4, outputs: 10)), .softmax,
        ])
        let flags = try nntrain([fixturesDirectory + "/digits_test.csv", "--target", "label", "--input-shape", "1x8x8", "--epochs", "1",
                                 "--layers", "conv:4:3,leakyrelu,avgpool:2:stride=1:pad=1,gap,10,softmax", "-o", "flags.nnz"])
        XCTAssertEqual(flags.exitCode, 0, flags.stderr)
        XCTAssertEqual(try NNZReader.read(path: temporary + "/flags.nnz").layers.map(\.kindName),
                       ["conv2d", "leakyrelu", "avgpool", "globalavgpool", "flatten", "dense", "softmax"])
        let bad = write("bad-alpha.json", "{\"target\": \"label\", \"layers\": [{\"type\": \"leakyrelu\", \"alpha\": -1}, 2, \"softmax\"]}")
        let refused = try nntrain([moons, "--config", bad])
        XCTAssertEqual(refused.exitCode, 65, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("expected the leaky ReLU slope \"alpha\" as a number ≥ 0"), refused.stderr)
    }

    func testConfigErrorsNameLineAndColumn() throws {
        let config = write("bad.json", "{\n  \"epochs\": \"ten\"\n}\n")
        let run = try nntrain([moons, "--config", config])
        XCTAssertEqual(run.exitCode, 65)
        XCTAssertEqual(run.stderr, "nntrain: error: \(config):2:13: expected an integer ≥ 1 for \"epochs\", found a string\n".replacingOccurrences(of: "an integer ≥ 1", with: "a number"))
        let syntax = write("syntax.json", "{\"lr\": 0.1,}")
        let second = try nntrain([moons, "--config", syntax])
        XCTAssertEqual(second.exitCode, 65)
        XCTAssertTrue(second.stderr.contains("syntax.json:1:12: expected a member name in double quotes, found '}'"), second.stderr)
    }

    func testPlotWritesAPNG() throws {
        let run = try nntrain([moons, "--layers", "8,tanh,2,softmax", "--epochs", "3", "-q", "-o", "m.nnz", "--plot", "m.png"])
        XCTAssertEqual(run.exitCode, 0, run.stderr)
        let png = try XCTUnwrap(FileManager.default.contents(atPath: temporary + "/m.png"))
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertGreaterThan(png.count, 2000)
    }

    func testHelpDocumentsTheFlagsAndLayerSyntax() throws {
        let run = try nntrain(["--help"])
        XCTAssertEqual(run.exitCode, 0)
        for text in ["--target", "--layers", "--config", "--optimizer", "--lr", "--epochs", "--batch-size", "--seed", "--validation",
                     "--output", "--plot", "--quiet", "dropout:0.5", "batchnorm", "conv:16:3", "maxpool:2", "nntrain example"] {
            XCTAssertTrue(run.stdout.contains(text), "help mentions \(text)")
        }
    }

    func testExampleList() throws {
        let run = try nntrain(["example", "--list"])
        XCTAssertEqual(run.exitCode, 0)
        for name in ["moons-sigmoid", "xor", "moons-tanh", "moons", "regression", "digits", "digits-cnn"] {
            XCTAssertTrue(run.stdout.contains("\(name)\n"), name)
        }
        XCTAssertEqual(try nntrain(["example", "nope"]).exitCode, 64)
    }

    func testExampleXorRunsAndWritesItsModel() throws {
        let run = try nntrain(["example", "xor", "--data-dir", fixturesDirectory, "-o", "xor.nnz"])
        XCTAssertEqual(run.exitCode, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("mean absolute error: 0.003"), run.stdout)
        XCTAssertTrue(run.stdout.contains("-> yes"), run.stdout)
        let model = try NNZReader.read(path: temporary + "/xor.nnz")
        XCTAssertEqual(model.layers.map(\.kindName), ["dense", "sigmoid", "dense", "sigmoid"])
        XCTAssertEqual(model.outputKind, .regression)
    }
}
