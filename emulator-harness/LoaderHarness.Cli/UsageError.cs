namespace LoaderHarness.Cli;

/// <summary>
/// What was wrong with a command line, printed as the code of its <c>error (Code):</c> line so a script can
/// tell a typo in an option from a missing file without parsing the message.
/// </summary>
public enum UsageError
{
    /// <summary>An option's value is not one it takes, or two options exclude each other.</summary>
    BadOption,

    /// <summary>An input path names a directory, device, FIFO or socket.</summary>
    NotARegularFile,

    /// <summary>An input path names nothing.</summary>
    NoSuchFile,

    /// <summary>An input file has no bytes.</summary>
    EmptyFile,

    /// <summary>An input file is longer than the CLI reads or maps.</summary>
    FileTooLarge,

    /// <summary>An input file changed length while it was read.</summary>
    FileChanged,

    /// <summary>A report path cannot be created as a file.</summary>
    BadOutputPath,

    /// <summary>The kernel and profiles leave no conformance case to run.</summary>
    NoCaseToRun,

    /// <summary>The host refused a read or write (permissions, I/O error).</summary>
    HostIo,
}
