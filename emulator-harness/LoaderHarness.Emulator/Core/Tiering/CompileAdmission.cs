namespace LoaderHarness.Emulator.Core.Tiering;

/// <summary>What <see cref="BackgroundCompiler{TBlock}.Admit"/> says of a hot entry.</summary>
internal enum CompileAdmission
{
    /// <summary>Ask again later: a request for the entry is in flight, or as many as the compiler takes.</summary>
    Later,

    /// <summary>The compile budget refuses it now, as it refuses an inline compilation: the entry cools down.</summary>
    Refused,

    /// <summary>Find its instructions and submit them.</summary>
    Admitted,
}
