import NNZTestSupport

/// Golden outputs of the command-line tools, compared byte for byte; see
/// `AssertMatchesSnapshot` for how to record them again.
let snapshotsDirectory = repositoryRoot + "/Tests/CLITests/Snapshots"
