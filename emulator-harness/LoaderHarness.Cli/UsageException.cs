namespace LoaderHarness.Cli;

/// <summary>
/// A command line the CLI cannot act on (an unknown profile, a protocol the verb does not take, a case list
/// that comes out empty): reported as one <c>error (Code):</c> line with exit code 2. Distinct from a
/// <see cref="LoaderHarness.Loader.Errors.LoaderException"/>, which is about the kernel image or the guest.
/// </summary>
internal sealed class UsageException(UsageError code, string message) : Exception(message)
{
    /// <summary>The kind of mistake, printed before the message.</summary>
    public UsageError Code { get; } = code;
}
