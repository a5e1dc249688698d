using LoaderHarness.Cli;

namespace LoaderHarness.Tests.Support;

/// <summary>What every end-to-end CLI test needs: a scratch folder per test, files written into it, and a run of the CLI with its output captured.</summary>
public abstract class CliTestFixture
{
    /// <summary>The test's scratch folder, deleted after it.</summary>
    protected string Dir { get; private set; } = null!;

    [SetUp]
    public void Create_scratch_folder() => Dir = Directory.CreateTempSubdirectory($"loader-harness-{GetType().Name}").FullName;

    [TearDown]
    public void Delete_scratch_folder() => Directory.Delete(Dir, recursive: true);

    /// <summary>Runs the CLI in process with <paramref name="args"/>: its exit code, stdout and stderr.</summary>
    protected static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="name"/> in the scratch folder and returns its path.</summary>
    protected string WriteFile(string name, byte[] bytes)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
