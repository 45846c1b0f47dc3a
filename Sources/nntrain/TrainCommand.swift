import ArgumentParser
import NNZCommandLine
import NNZFormat
import NNZPrecision
import NNZRuntime
import NNZTrainer

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a small neural network on a CSV file and save it as one .nnz model file.",
        usage: """
        nntrain [train] <data.csv> [--target <column>] [--layers <list>] [<options>]
        nntrain example <name> [--output <file>] [--plot <file.png>]
        nntrain example --list
        """,
        discussion: """
        Example:
          nntrain data.csv --target label \\
            --layers "128,relu,dropout:0.5,64,relu,10,softmax" \\
            --optimizer adam --lr 0.001 --epochs 50 --batch-size 32 --seed 0 \\
            --validation 0.2 --output model.nnz --plot curves.png

        DATA: a CSV file with a header row. The --target column holds the labels: \
        strings, or integers (at most 256 distinct values), make a classifier whose \
        labels are stored in the model; other numbers make a regressor (--task forces \
        either). Every other column is a numeric feature.

        LAYERS (--layers, comma-separated; ':' separates an item's arguments):
          128  dense:128  128:nobias      dense layer, 128 outputs
          relu  sigmoid  tanh  softmax    activations (classifiers end N,softmax)
          leakyrelu[:0.01]                leaky ReLU, slope for x < 0 (>= 0)
          flatten                         [C,H,W] -> [C*H*W] (auto before dense)
          dropout:0.5[:inverted|:scale]   dropout, inverted (default) or
                                          scale-at-inference
          batchnorm[:momentum=0.9][:eps=1e-5]
                                          batch norm over features or channels
          conv:16:3[:stride=1][:pad=1|same][:nobias]
                                          conv2d, 16 filters, 3x3 (or 3x5) kernel
          maxpool:2[:stride=2][:pad=0]    max pooling (stride = size by default)
          avgpool:2[:stride=2][:pad=0][:include-pad]
                                          average pooling; include-pad divides
                                          by the whole window, padding included
          globalavgpool  gap              [C,H,W] -> [C,1,1], each channel's mean
        Conv layers need --input-shape CxHxW (e.g. 1x8x8); each row then holds \
        the pixels in C,H,W order.

        CONFIG (--config model.json): a JSON object with any of target, layers, \
        input_shape, optimizer, lr, momentum, weight_decay, lr_decay, epochs, \
        batch_size, shuffle, seed, validation, early_stopping, loss, reduction, \
        init, normalize, dropout_convention, task, name, weights. "layers" is a string in \
        the syntax above or an array of such strings, widths and objects like \
        {"type": "conv2d", "filters": 16, "kernel": 3, "padding": 1}. Flags \
        override the file.

        OUTPUT: a progress bar on a terminal (epoch, batch, loss, ETA), one line \
        per epoch when piped (at most about 100), nothing with --quiet. The model \
        file holds the architecture, weights, batch-norm statistics, the input \
        normalization fitted on the training rows, feature names, class labels, a \
        training summary and a self-test. The same data and seed give a \
        byte-identical file.

        WEIGHTS (--weights): float32 (default); float16 rounds every tensor \
        (about half the file); int8 folds each batch-norm that follows a dense \
        or conv layer into it and stores dense and conv weights as int8 with one \
        scale per output channel (about 0.3x the file; nninfer computes them in \
        integers). Training is always float32; the self-test is computed for the \
        stored weights, and with --test the stored model's test figures are \
        printed too. nnzconvert --weights converts an existing file.

        EXAMPLES: 'nntrain example --list' names the tutorial networks; \
        'nntrain example moons --plot moons.png' trains one and draws it.

        EXIT CODES (sysexits): 0 success, 64 usage error, 65 bad data or \
        configuration, 66 input file missing, 74 I/O error while writing.
        """
    )

    @Argument(help: ArgumentHelp("The training data (CSV with a header row).", valueName: "data.csv"))
    var data: String

    @Option(help: ArgumentHelp("Name of the target column (default: the last column).", valueName: "column"))
    var target: String?

    @Option(help: ArgumentHelp("The layers, e.g. \"128,relu,dropout:0.5,64,relu,10,softmax\" (see LAYERS above). Default: 64,relu,K,softmax for K classes, 64,relu,1 for regression.", valueName: "list"))
    var layers: String?

    @Option(help: ArgumentHelp("A JSON file with the settings (see CONFIG above).", valueName: "model.json"))
    var config: String?

    @Option(name: .customLong("input-shape"), help: ArgumentHelp("Shape of one row, CxHxW for images (e.g. 1x8x8) or F.", valueName: "shape"))
    var inputShape: String?

    @Option(help: ArgumentHelp("The update rule (default adam).", valueName: "name"))
    var optimizer: OptimizerName?

    @Option(help: ArgumentHelp("Learning rate (default 0.001 for adam and rmsprop, 0.01 otherwise).", valueName: "rate"))
    var lr: Float?

    @Option(help: ArgumentHelp("Momentum μ for --optimizer momentum (default 0.9).", valueName: "mu"))
    var momentum: Float?

    @Option(name: .customLong("weight-decay"), help: ArgumentHelp("L2 weight decay λ added as λ·w to weight gradients (default 0).", valueName: "lambda"))
    var weightDecay: Float?

    @Option(name: .customLong("lr-decay"), help: ArgumentHelp("Learning-rate schedule: constant, step:EVERY:FACTOR (e.g. step:10:0.5) or exp:FACTOR (e.g. exp:0.95).", valueName: "schedule"))
    var lrDecay: String?

    @Option(help: ArgumentHelp("Passes over the training rows (default 50).", valueName: "n"))
    var epochs: Int?

    @Option(name: .customLong("batch-size"), help: ArgumentHelp("Rows per step; 0 = full batch (default 32).", valueName: "n"))
    var batchSize: Int?

    @Flag(inversion: .prefixedNo, help: "Reshuffle the rows every epoch (default on).")
    var shuffle: Bool?

    @Option(help: ArgumentHelp("Seed for weights, shuffling, dropout and the validation split (default 0).", valueName: "n"))
    var seed: UInt64?

    @Option(help: ArgumentHelp("Fraction of rows held out for validation, e.g. 0.2 (default 0).", valueName: "fraction"))
    var validation: Double?

    @Option(name: .customLong("early-stopping"), help: ArgumentHelp("Stop after this many epochs without improvement of the validation loss (training loss without --validation); keeps the best epoch's weights.", valueName: "patience"))
    var earlyStopping: Int?

    @Option(help: ArgumentHelp("The loss; sse is ½·sum of squared errors. Default: cross-entropy for classes, mse for regression.", valueName: "name"))
    var loss: Loss?

    @Option(help: ArgumentHelp("How gradients combine over a batch (default mean); sum is the tutorials' full-batch recipes.", valueName: "mode"))
    var reduction: GradientReduction?

    @Option(name: .customLong("init"), help: ArgumentHelp("Weight initialization (default he); scaled-normal is randn/sqrt(fan_in).", valueName: "name"))
    var initialization: InitializationName?

    @Option(help: ArgumentHelp("Input normalization fitted on the training rows and stored in the model (default standard).", valueName: "kind"))
    var normalize: NormalizationName?

    @Option(name: .customLong("dropout-convention"), help: ArgumentHelp("Dropout convention for dropout layers that name none (default inverted); scale is scale-at-inference.", valueName: "name"))
    var dropoutConvention: DropoutConventionName?

    @Option(help: ArgumentHelp("Whether the target holds classes or values (default auto: classes when it holds strings or at most 256 distinct integers).", valueName: "task"))
    var task: CSVLoader.TaskKind?

    @Option(help: ArgumentHelp("The model's name in its metadata (default: the output file name).", valueName: "text"))
    var name: String?

    @Option(name: [.short, .long], help: ArgumentHelp("Where to write the model.", valueName: "model.nnz"))
    var output: String = "model.nnz"

    @Option(help: ArgumentHelp("A CSV with the same columns to evaluate the trained model on (reported, and stored as training.test_*).", valueName: "test.csv"))
    var test: String?

    @Option(help: ArgumentHelp("Write a PNG with loss and accuracy per epoch (and, for two features, the decision boundary).", valueName: "curves.png"))
    var plot: String?

    @Option(help: ArgumentHelp("How the file stores the weights: float32, float16 or int8 (see WEIGHTS above; default float32).", valueName: "precision"))
    var weights: WeightPrecisionName?

    @Flag(name: [.short, .long], help: "Print nothing but errors.")
    var quiet = false

    func run() throws {
        do {
            try train()
        } catch {
            Terminal.error("nntrain: error: \(error.message)\n")
            throw ExitCode(error.code)
        }
    }

    private func usage(_ message: String) -> Failure { Failure(message, code: Exit.usage) }

    private func train() throws(Failure) {
        let file = try config.map { path throws(Failure) in try ConfigFile.load(path) } ?? ConfigFile()

        // Settings: flags, then the config file, then defaults.
        let taskKind = try CSVLoader.TaskKind.resolve(task, file: file.task, default: .automatic, option: "--task")
        var shape = file.inputShape
        if let inputShape {
            guard let parsed = parseShape(inputShape) else { throw usage("--input-shape: expected F or CxHxW (e.g. 1x8x8), found \"\(inputShape)\"") }
            shape = parsed
        }
        let dataSet: Dataset
        do {
            dataSet = try CSVLoader.load(path: data, target: target ?? file.target, task: taskKind, inputShape: shape)
        } catch {
            throw Failure(error.description, code: error.exitCode)
        }

        var specs: [LayerSpec]
        if let layers {
            do { specs = try LayerSpec.parseList(layers) } catch { throw usage("--layers: \(error.description)") }
        } else if let fromFile = file.layers {
            specs = fromFile
        } else if let labels = dataSet.classLabels {
            specs = [.dense(units: 64, bias: true), .relu, .dense(units: labels.count, bias: true), .softmax]
        } else {
            specs = [.dense(units: 64, bias: true), .relu, .dense(units: dataSet.targets.width, bias: true)]
        }

        let optimizerName = try OptimizerName.resolve(optimizer, file: file.optimizer, default: .adam, option: "--optimizer")
        var job = TrainingJob(layers: specs)
        job.training.optimizer = optimizerName.optimizer(momentum: momentum ?? file.momentum ?? 0.9)
        job.training.learningRate = lr ?? file.learningRate ?? optimizerName.defaultLearningRate
        guard job.training.learningRate > 0, job.training.learningRate.isFinite else { throw usage("--lr: expected a positive learning rate") }
        job.training.weightDecay = weightDecay ?? file.weightDecay ?? 0
        guard job.training.weightDecay >= 0 else { throw usage("--weight-decay: expected a value ≥ 0") }
        if let text = lrDecay ?? file.lrDecay {
            guard let schedule = LearningRateSchedule(text: text) else {
                throw usage("--lr-decay: expected constant, step:EVERY:FACTOR or exp:FACTOR, found \"\(text)\"")
            }
            job.training.schedule = schedule
        }
        job.training.epochs = epochs ?? file.epochs ?? 50
        guard job.training.epochs >= 1 else { throw usage("--epochs: expected at least 1") }
        let batch = batchSize ?? file.batchSize ?? 32
        guard batch >= 0 else { throw usage("--batch-size: expected a positive number, or 0 for full batch") }
        job.training.batchSize = batch == 0 ? nil : batch
        job.training.shuffle = shuffle ?? file.shuffle ?? true
        job.training.seed = seed ?? file.seed ?? 0
        job.validationFraction = validation ?? file.validation ?? 0
        guard job.validationFraction >= 0, job.validationFraction < 1 else { throw usage("--validation: expected a fraction in [0, 1)") }
        if let patience = earlyStopping ?? file.earlyStopping {
            guard patience >= 1 else { throw usage("--early-stopping: expected a patience of at least 1 epoch") }
            job.training.earlyStopping = EarlyStopping(patience: patience)
        }
        let chosenLoss = try Loss.resolve(loss, file: file.loss, default: dataSet.isClassification ? .crossEntropy : .meanSquaredError, option: "--loss")
        guard dataSet.isClassification || chosenLoss != .crossEntropy else {
            throw usage("--loss cross-entropy needs class labels, but the target \"\(dataSet.targetName)\" is numeric (regression); use --loss mse, or --task classification")
        }
        job.training.loss = chosenLoss
        job.training.reduction = try GradientReduction.resolve(reduction, file: file.reduction, default: .mean, option: "--reduction")
        job.weightInitialization = try InitializationName.resolve(initialization, file: file.initialization, default: .he, option: "--init").initialization
        job.normalization = try NormalizationName.resolve(normalize, file: file.normalize, default: .standard, option: "--normalize").normalization
        job.dropoutConvention = try DropoutConventionName.resolve(dropoutConvention, file: file.dropoutConvention, default: .inverted,
                                                                  option: "--dropout-convention").convention
        job.name = name ?? file.name ?? baseName(output)
        job.datasetName = baseName(data, keepExtension: true)

        let printer = ProgressPrinter.forOutput(quiet: quiet)
        let trained: TrainedModel
        do {
            trained = try job.run(on: dataSet) { printer.handle($0) }
        } catch {
            printer.finish()
            switch error {
            case .architecture(let e): throw usage("--layers: \(e.description)")
            case .training(let e): throw Failure(e.description, code: Exit.dataError)
            }
        }
        printer.finish()
        var testEvaluation: Evaluation?
        if let test {
            let testSet: Dataset
            do {
                testSet = try CSVLoader.load(path: test, target: dataSet.targetName, task: dataSet.isClassification ? .classification : .regression,
                                             inputShape: shape, classLabels: dataSet.classLabels)
            } catch {
                throw Failure(error.description, code: error.exitCode)
            }
            guard testSet.featureNames == dataSet.featureNames else {
                throw Failure("\(test): the feature columns differ from \(data)'s (\(testSet.featureNames.prefix(8).joined(separator: ",")) vs \(dataSet.featureNames.prefix(8).joined(separator: ",")))", code: Exit.dataError)
            }
            testEvaluation = trained.evaluate(testSet)
            trained.testEvaluation = testEvaluation
        }
        let precision = try WeightPrecisionName.resolve(weights, file: file.weights, default: .float32, option: "--weights").precision
        let written = try writeModel(trained, to: output, weights: precision)
        if let plot {
            try writePlot(trained, to: plot)
        }
        guard !quiet else { return }
        var storedLine: String?
        if precision != .float32, let test {
            let testSet = try? CSVLoader.load(path: test, target: dataSet.targetName, task: dataSet.isClassification ? .classification : .regression,
                                              inputShape: shape, classLabels: dataSet.classLabels)
            if let testSet, let figures = try storedModelFigures(written, on: testSet) {
                storedLine = "test with \(precision) weights: \(figures) (\(testSet.count) rows)"
            }
        }
        Terminal.write(summary(trained, storedLine: storedLine, precision: precision))
    }

    private func summary(_ trained: TrainedModel, storedLine: String?, precision: WeightPrecision) -> String {
        var lines: [String] = []
        let t = trained.trainingEvaluation
        var trainText = "train loss \(fixed(t.loss, 4))"
        if let a = t.accuracy { trainText += ", accuracy \(fixed(a, 4))" } else { trainText += ", MSE \(fixed(t.meanSquaredError, 6))" }
        lines.append(trainText + " (\(t.count) rows)")
        if let v = trained.validationEvaluation {
            var text = "validation loss \(fixed(v.loss, 4))"
            if let a = v.accuracy { text += ", accuracy \(fixed(a, 4))" } else { text += ", MSE \(fixed(v.meanSquaredError, 6))" }
            lines.append(text + " (\(v.count) rows)")
        }
        if let v = trained.testEvaluation {
            var text = "test loss \(fixed(v.loss, 4))"
            if let a = v.accuracy { text += ", accuracy \(fixed(a, 4))" } else { text += ", MSE \(fixed(v.meanSquaredError, 6))" }
            lines.append(text + " (\(v.count) rows)")
        }
        if let storedLine { lines.append(storedLine) }
        if trained.history.stoppedEarly {
            lines.append("stopped early after \(trained.history.epochs.count) epochs; kept epoch \(trained.history.bestEpoch)")
        }
        lines.append("wrote \(output) (\(trained.network.summary), \(trained.network.parameterCount) parameters\(precision == .float32 ? "" : ", \(precision) weights"))")
        if let plot { lines.append("wrote \(plot)") }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Encodes and writes the model with its weights stored in `weights`; the file written. A
/// weight that cannot be stored in that precision (beyond float16's range) exits 65; I/O
/// problems exit 74.
@discardableResult
func writeModel(_ trained: TrainedModel, to path: String, weights: WeightPrecision = .float32) throws(Failure) -> ModelFile {
    var file = trained.modelFile()
    do {
        file = try file.storingWeights(as: weights)
    } catch {
        throw Failure("\(path): cannot store the weights as \(weights): \(error.message)", code: Exit.dataError)
    }
    let bytes: [UInt8]
    do {
        bytes = try NNZWriter.encode(file)
    } catch {
        throw Failure("cannot encode the model: \(error.description)", code: Exit.software)
    }
    do {
        try FileIO.write(bytes, to: path)
    } catch {
        throw Failure(error.description, code: Exit.ioError)
    }
    return file
}

/// "loss-free" figures of the file as written, computed by the runtime on `data`: accuracy
/// for classes, MSE for values; nil when the data does not fit the model.
func storedModelFigures(_ file: ModelFile, on data: Dataset) throws(Failure) -> String? {
    let model: Model
    do {
        model = try Model(file: file)
    } catch {
        throw Failure("the written model does not load: \(error.description)", code: Exit.software)
    }
    let width = model.outputWidth
    var outputs = [Float](repeating: 0, count: data.count * width)
    let ok = data.features.withUnsafeBufferPointer { input in
        outputs.withUnsafeMutableBufferPointer { output in
            (try? model.predict(input, rows: data.count, into: output)) != nil
        }
    }
    guard ok, data.count > 0 else { return nil }
    switch data.targets {
    case .classes(let classes, _):
        var correct = 0
        for r in 0..<data.count {
            let row = outputs[(r * width)..<((r + 1) * width)]
            if let best = row.indices.max(by: { row[$0] < row[$1] }), best - r * width == Int(classes[r]) { correct += 1 }
        }
        return "accuracy \(fixed(Double(correct) / Double(data.count), 4))"
    case .values(let targets, _):
        let squared = zip(outputs, targets).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
        return "MSE \(fixed(squared / Double(outputs.count), 6))"
    }
}

/// Renders and writes the training plot; I/O problems exit 74.
func writePlot(_ trained: TrainedModel, to path: String, points: Dataset? = nil) throws(Failure) {
    let png = TrainingPlot.render(trained, points: points)
    do {
        try FileIO.write(png, to: path)
    } catch {
        throw Failure(error.description, code: Exit.ioError)
    }
}

/// `dir/name.ext` → `name` (or `name.ext`).
func baseName(_ path: String, keepExtension: Bool = false) -> String {
    let last = path.split(separator: "/").last.map(String.init) ?? path
    if keepExtension { return last }
    if let dot = last.lastIndex(of: "."), dot != last.startIndex { return String(last[..<dot]) }
    return last
}
