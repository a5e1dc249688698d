namespace LoaderHarness.Loader.Errors;

/// <summary>
/// The one base type for bad input: carries a <see cref="LoaderError"/> code (tests assert on it) and a
/// message naming the offset or field and the rule it broke.
/// </summary>
public class LoaderException : Exception
{
    /// <summary>Creates an error with its code and a message that names the rule broken.</summary>
    public LoaderException(LoaderError code, string message, Exception? inner = null)
        : base(message, inner) => Code = code;

    /// <summary>What went wrong, as a stable code.</summary>
    public LoaderError Code { get; }

    /// <summary>The module that reported <see cref="Code"/>.</summary>
    public LoaderErrorModule Module => Code.Module();
}
