namespace LoaderHarness.Cli.Output;

/// <summary>
/// Report files a verb writes (<c>--json</c>, <c>--junit</c>, <c>--html</c>, <c>-o</c>), checked before the run
/// starts: a path that cannot be written is bad usage (one line, exit 2) now, not after minutes of booting.
/// </summary>
internal static class OutputFile
{
    /// <summary>Checks every path given; null entries (options not given) are skipped.</summary>
    /// <exception cref="UsageException">A path is a directory, its folder is missing, or it cannot be opened for writing.</exception>
    public static void CheckAll(params (string Option, FileInfo? File)[] outputs)
    {
        foreach (var (option, file) in outputs)
            if (file is not null)
                Check(option, file.FullName);
    }

    /// <summary>Checks that <paramref name="path"/> can be created or overwritten, leaving no file behind that was not there.</summary>
    public static void Check(string option, string path)
    {
        if (Directory.Exists(path))
            throw new UsageException(UsageError.BadOutputPath, $"{option} {path} is a directory; give a file name");
        var folder = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
            throw new UsageException(UsageError.BadOutputPath, $"{option} {path}: the folder {folder} does not exist");
        var existed = File.Exists(path);
        try
        {
            // Opened for writing without truncating: an existing report stays as it is until the run replaces it.
            using (new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException(UsageError.BadOutputPath, $"{option} {path} cannot be written: {CliApp.OneLine(e.Message)}");
        }
        if (!existed)
            File.Delete(path);
    }
}
