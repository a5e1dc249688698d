namespace LoaderHarness.Loader.Errors;

/// <summary>What a <see cref="LoaderError"/> value says besides its name.</summary>
public static class LoaderErrorExtensions
{
    /// <summary>The module that reports <paramref name="code"/>, from its range of 100 values.</summary>
    public static LoaderErrorModule Module(this LoaderError code) => (LoaderErrorModule)((int)code / 100);
}
